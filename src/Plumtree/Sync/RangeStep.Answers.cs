namespace Plumtree.Sync;

/// <summary>How each kind of received entry is answered.</summary>
internal sealed partial class RangeStep
{
    private void OnFingerprint(SyncNode node, UInt128 fingerprint)
    {
        var local = Accumulate(node);
        if (Fingerprint(local) != fingerprint)
        {
            Describe(node, local, peerEmpty: false);
        }
    }

    private void OnSplit(SyncNode node, ulong childMask, IReadOnlyList<UInt128> childFingerprints)
    {
        var next = 0;
        for (var k = 0; k < _tree.Branching && !_writer.IsClosed; k++)
        {
            var child = _tree.Child(node, k);
            var local = Accumulate(child);
            var peerHas = (childMask >> k & 1) != 0;
            var same = peerHas ? Fingerprint(local) == childFingerprints[next++] : local.Count == 0;
            if (!same)
            {
                Describe(child, local, peerEmpty: !peerHas);
            }
        }
    }

    /// <summary>Says what this side holds in a range known to differ: its ids when few (or when the peer holds none and they fit), else its children's fingerprints.</summary>
    private void Describe(SyncNode node, SyncAccumulator local, bool peerEmpty)
    {
        if (local.Count <= _idListThreshold || node.Depth >= _tree.MaxDepth)
        {
            Emit(SyncEntry.ForIdList(node.Depth, node.Index, LocalIds(node)), node);
            return;
        }

        if (peerEmpty && _writer.TryAdd(SyncEntry.ForIdList(node.Depth, node.Index, LocalIds(node))))
        {
            return;
        }

        var mask = 0UL;
        var fingerprints = new List<UInt128>(_tree.Branching);
        for (var k = 0; k < _tree.Branching; k++)
        {
            var child = Accumulate(_tree.Child(node, k));
            if (child.Count > 0)
            {
                mask |= 1UL << k;
                fingerprints.Add(Fingerprint(child));
            }
        }

        Emit(SyncEntry.ForSplit(node.Depth, node.Index, mask, fingerprints), node);
    }

    /// <summary>Initiator: the responder listed its ids in a range; the difference there is now known exactly.</summary>
    private void Resolve(SyncNode node, IReadOnlyList<MessageId> peerIds, SyncDifference difference)
    {
        var local = LocalIds(node);
        Merge(local, peerIds, difference.AddHave, difference.AddNeed, null);
    }

    /// <summary>Initiator: the responder answered one of our id lists (or a part of one).</summary>
    private void OnReply(SyncNode node, SyncEntry reply, SyncDifference difference)
    {
        var local = LocalIds(node);
        var localSet = new HashSet<MessageId>(local);
        foreach (var id in reply.Ids)
        {
            if (!localSet.Contains(id))
            {
                difference.AddNeed(id);
            }
        }

        if (local.Length != reply.ListedCount)
        {
            EmitFingerprint(node); // our ids changed since we listed them: look at this range again
            return;
        }

        for (var i = 0; i < local.Length; i++)
        {
            if ((reply.LackBits[i >> 3] >> (i & 7) & 1) != 0)
            {
                difference.AddHave(local[i]);
            }
        }
    }

    /// <summary>
    /// Responder: the initiator listed its ids in a range; answer with ours it lacks and which of its we lack. Ranges
    /// with no difference need no answer. A reply too big for what is left of the page is split over the children.
    /// </summary>
    private void Reply(SyncNode node, IReadOnlyList<MessageId> peerIds)
    {
        if (_writer.IsClosed)
        {
            return;
        }

        var local = LocalIds(node);
        var missing = new List<MessageId>();
        var lack = new byte[(peerIds.Count + 7) / 8];
        var differs = false;
        Merge(local, peerIds, missing.Add, null, i =>
        {
            lack[i >> 3] |= (byte)(1 << (i & 7));
            differs = true;
        });
        if (!differs && missing.Count == 0)
        {
            return;
        }

        if (_writer.TryAdd(SyncEntry.ForIdListReply(node.Depth, node.Index, peerIds.Count, lack, missing)))
        {
            return;
        }

        if (node.Depth >= _tree.MaxDepth || local.Length + peerIds.Count <= 1)
        {
            _writer.AddContinue(node.Depth, node.Index);
            return;
        }

        for (var k = 0; k < _tree.Branching && !_writer.IsClosed; k++)
        {
            var child = _tree.Child(node, k);
            Reply(child, peerIds.Where(id => SyncKey.Of(id) >= child.Lo && SyncKey.Of(id) < child.Hi).ToArray());
        }
    }

    /// <summary>The peer ran out of page at <paramref name="node"/>: send fingerprints covering from there to the end of the top range.</summary>
    private void OnContinue(SyncNode node)
    {
        var current = node;
        if (!EmitFingerprint(current))
        {
            return;
        }

        while (current.Depth > 0)
        {
            var parent = _tree.Parent(current);
            var digit = (int)(current.Index & (uint)(_tree.Branching - 1));
            for (var k = digit + 1; k < _tree.Branching; k++)
            {
                if (!EmitFingerprint(_tree.Child(parent, k)))
                {
                    return;
                }
            }

            current = parent;
        }
    }

    /// <summary>Walks two ascending id lists: ids only in <paramref name="local"/>, ids only in <paramref name="peer"/> (and their index in it).</summary>
    private static void Merge(IReadOnlyList<MessageId> local, IReadOnlyList<MessageId> peer, Action<MessageId>? onlyLocal, Action<MessageId>? onlyPeer, Action<int>? onlyPeerIndex)
    {
        int i = 0, j = 0;
        while (i < local.Count || j < peer.Count)
        {
            var c = i == local.Count ? 1 : j == peer.Count ? -1 : local[i].CompareTo(peer[j]);
            if (c < 0)
            {
                onlyLocal?.Invoke(local[i++]);
            }
            else if (c > 0)
            {
                onlyPeer?.Invoke(peer[j]);
                onlyPeerIndex?.Invoke(j);
                j++;
            }
            else
            {
                i++;
                j++;
            }
        }
    }
}
