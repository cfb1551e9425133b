using System.Runtime.CompilerServices;

namespace Plumtree.Broadcast;

// The dissemination rules: broadcast, eager push, lazy announcement, graft, prune and the hop optimisation.
public sealed partial class BroadcastEngine
{
    private readonly bool _announceImmediately;

    /// <summary>Unbatched announcements go out from this one-entry buffer, rewritten for every lazy peer (frames are only lent to the sink).</summary>
    private readonly IHaveEntry[] _singleIHave = new IHaveEntry[1];

    /// <summary>The eager peers of one push, lent to <see cref="IBroadcastOutput.Send(ReadOnlySpan{string}, in PlumtreeFrame)"/> (grown when the eager set outgrows it).</summary>
    private string[] _fanOut = new string[8];

    /// <summary>Until when the optimisation swaps without confirmations (a view change opened the repair window).</summary>
    private TimeSpan _undampedUntil;

    /// <summary>Broadcast a new message with a caller-minted id: deliver locally, cache, push and announce.</summary>
    /// <exception cref="ArgumentException">The id is empty or already known, or the payload exceeds <see cref="BroadcastOptions.MaxMessageSize"/>.</exception>
    public void Broadcast(MessageId id, ReadOnlyMemory<byte> payload, TimeSpan now)
    {
        if (id.IsEmpty)
        {
            throw new ArgumentException("A broadcast needs a non-empty message id.", nameof(id));
        }

        if (payload.Length > _options.MaxMessageSize)
        {
            throw new ArgumentException(
                $"The payload is {payload.Length} bytes; MaxMessageSize is {_options.MaxMessageSize}.", nameof(payload));
        }

        Advance(now);
        if (!_messages.TryAdd(id, payload, 0, null, now))
        {
            Finish();
            throw new ArgumentException($"Message {id} is already known to this node.", nameof(id));
        }

        _counters.Broadcast++;
        _counters.Delivered++;
        CancelPending(id);
        _output.Deliver(new Delivery(id, payload, 0, null));
        Push(id, 0, payload, null, null, now);
        Finish();
    }

    /// <summary>
    /// Pushes a message this node obtained outside the tree (anti-entropy) into it again, with its original id, as if
    /// it were the origin: eager push and lazy announcements, cached for Grafts, remembered as seen. The caller has
    /// already delivered it, so it is not delivered here. Returns false (and does nothing) when the id is empty, the
    /// payload too large, the message already known to this engine (the tree brought it meanwhile), or younger than
    /// <see cref="ReinjectMinAge"/> (at <paramref name="nowUnixMilliseconds"/>): the tree is most likely still carrying
    /// it, and pushing it too would send duplicates and, when the tree's copy then arrives, prune a working link.
    /// </summary>
    /// <remarks>
    /// Measured in the simulator after a healed partition (docs/simulation/report.md, section 6): re-injection makes
    /// the cluster consistent in about one sync interval at any size (9.5 s at 1,000 nodes, 9.0 s at 10,000) instead
    /// of a time that grows with its size (26.6 s and 94.8 s), for 15–35% more repair bytes.
    /// </remarks>
    /// <param name="id">The message id (its timestamp is the origin's wall clock at broadcast).</param>
    /// <param name="payload">The payload.</param>
    /// <param name="now">Engine time.</param>
    /// <param name="nowUnixMilliseconds">Wall-clock now, to tell the message's age.</param>
    public bool Reinject(MessageId id, ReadOnlyMemory<byte> payload, TimeSpan now, long nowUnixMilliseconds)
    {
        if (id.IsEmpty || payload.Length > _options.MaxMessageSize || nowUnixMilliseconds - id.UnixMilliseconds < (long)ReinjectMinAge.TotalMilliseconds)
        {
            return false;
        }

        Advance(now);
        if (!_messages.TryAdd(id, payload, 0, null, now))
        {
            Finish();
            return false;
        }

        _counters.Reinjected++;
        CancelPending(id);
        Push(id, 0, payload, null, null, now);
        Finish();
        return true;
    }

    /// <summary>
    /// A message the node refused on another path (sync obtained it and the validator refused it): remembered like a
    /// refused Gossip, so the tree's copies are duplicates, announcements of it are not grafted and the validator is
    /// not asked again. Returns false when the id is already known.
    /// </summary>
    /// <param name="id">The refused message's id.</param>
    /// <param name="now">Engine time.</param>
    public bool Refuse(MessageId id, TimeSpan now)
    {
        if (id.IsEmpty)
        {
            return false;
        }

        Advance(now);
        var added = _messages.TryAddRefused(id, now);
        if (added)
        {
            CancelPending(id);
        }

        Finish();
        return added;
    }

    /// <summary>A frame arrived from <paramref name="from"/>.</summary>
    public void Receive(string from, in PlumtreeFrame frame, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(from);
        Advance(now);
        if (frame.Type is FrameType.Sync or FrameType.Keys)
        {
            // Sync and Keys frames belong to the sync engine and the key rotation; the node routes them there before this engine.
            _counters.Malformed++;
            Finish();
            return;
        }

        // Peers are always view members, so one lookup settles the common case.
        if (!_peers.TryGetValue(from, out var peer) && !IsKnownMember(from))
        {
            if (!TryPark(from, frame, now) && frame.Type != FrameType.Disconnect)
            {
                _counters.UnknownSender++;
            }

            Finish();
            return;
        }

        Dispatch(peer, from, frame, now);
        Finish();
    }

    /// <summary>A frame from a view member (<paramref name="peer"/> when it is a peer): the rule for its type.</summary>
    private void Dispatch(PeerState? peer, string from, in PlumtreeFrame frame, TimeSpan now)
    {
        if (peer is not null && frame.Type != FrameType.Disconnect)
        {
            peer.Confirmed = true;
            peer.DroppedByRemote = false;
        }

        switch (frame.Type)
        {
            case FrameType.Gossip:
                OnGossip(peer, from, frame, now);
                break;
            case FrameType.IHave:
                OnIHave(peer, from, frame, now);
                break;
            case FrameType.Graft:
                OnGraft(peer, from, frame);
                break;
            case FrameType.Prune:
                OnPrune(peer, from);
                break;
            case FrameType.Neighbor:
                OnNeighbor(peer, from, frame.Flag);
                break;
            case FrameType.Disconnect:
                OnDisconnect(peer, from, now);
                break;
            case FrameType.Splice:
                OnSplice(peer, from, frame, now);
                break;
            case FrameType.Tree:
                OnTree(peer, frame, now);
                break;
            default:
                _counters.Malformed++;
                break;
        }
    }

    private bool IsKnownMember(string name) => !string.Equals(name, _self, StringComparison.Ordinal) && _view.Contains(name);

    // Rules 2 and 3.
    private void OnGossip(PeerState? peer, string from, in PlumtreeFrame frame, TimeSpan now)
    {
        if (frame.Payload.Length > _options.MaxMessageSize)
        {
            _counters.Oversized++;
            return;
        }

        var id = frame.Id;
        var hop = frame.Hop;
        if (id.IsEmpty || hop < 0)
        {
            _counters.Malformed++;
            return;
        }

        var adopted = peer ?? TryAdopt(from, eager: true);
        if (!_messages.Contains(id) && _output.Validate(id, frame.Payload, from) != MessageValidation.Accept)
        {
            // Not delivered, not forwarded, Grafts for it not served; remembered, so copies are duplicates and
            // announcements of it are not grafted. The link itself is as useful as before.
            _messages.TryAddRefused(id, now);
            _counters.Refused++;
            CancelPending(id);
        }
        else if (_messages.TryAdd(id, frame.Payload, hop, adopted?.Name ?? from, now))
        {
            _counters.Delivered++;
            int shortcutHop;
            var shortcut = _options.LatencyOptimization
                ? FindFasterAnnouncer(id, from, now, out shortcutHop)
                : FindShortcut(id, hop, from, out shortcutHop);
            var graftLatency = GraftLatencyOf(id, now);
            CancelPending(id);
            if (adopted is not null && !adopted.IsEager)
            {
                MoveToEager(adopted);
            }

            if (adopted is { DuplicateStreak: > 0 })
            {
                adopted.DuplicateStreak--; // a useful link: each new message it brings takes one duplicate back
                if (adopted.DuplicateStreak == 0)
                {
                    adopted.PruneAt = null;
                }
            }

            _output.Deliver(new Delivery(id, frame.Payload, hop, from, graftLatency));

            // The announcer of a shorter path already has the message: neither push nor announce it there.
            Push(id, hop, frame.Payload, adopted, shortcut, now);
            if (shortcut is not null)
            {
                ref var entry = ref _messages.Find(id);
                if (!Unsafe.IsNullRef(ref entry))
                {
                    if (_options.LatencyOptimization)
                    {
                        Swap(ref entry, shortcut, shortcutHop, viaAnnouncement: true); // decided by FindFasterAnnouncer
                    }
                    else
                    {
                        TryOptimize(ref entry, id, shortcut, shortcutHop, viaAnnouncement: true, now);
                    }
                }
            }
        }
        else
        {
            _counters.Duplicates++;
            if (adopted is not null)
            {
                OnDuplicate(adopted, id, hop, now);
            }
        }

        if (adopted is null)
        {
            SendDisconnect(from);
        }
    }

    /// <summary>
    /// Rule 7 at delivery (paper Algorithm 4, called from the Gossip handler): among the peers that announced
    /// <paramref name="id"/> while it was missing and have not been grafted for it yet, the one with the smallest
    /// announced hop, when the path through it beats <paramref name="hop"/> by the threshold; else null.
    /// Announcers already grafted are left to the duplicate check when their copy arrives. With
    /// <see cref="BroadcastOptions.OptimizationConfirmations"/> above 1 every announcer's evidence is counted.
    /// </summary>
    private PeerState? FindShortcut(MessageId id, int hop, string sender, out int announcedHop)
    {
        announcedHop = 0;
        if (!Optimizing || _pending.Count == 0 || !_pending.TryGetValue(id, out var pending))
        {
            return null;
        }

        var counting = _options.OptimizationConfirmations > 1;
        PeerState? best = null;
        var bestHop = int.MaxValue;
        for (var i = pending.Next; i < pending.Count; i++)
        {
            var announced = pending.HopAt(i);
            if (announced >= bestHop && !counting)
            {
                continue;
            }

            var name = pending.AnnouncerAt(i);
            if (string.Equals(name, sender, StringComparison.Ordinal) || !_peers.TryGetValue(name, out var peer))
            {
                continue; // the sender itself, or no longer a peer
            }

            if (counting)
            {
                NoteShortcut(peer, id, sender, hop - ((long)announced + 1) >= _options.OptimizationThreshold, _options.OptimizationConfirmations);
            }

            if (announced < bestHop)
            {
                best = peer;
                bestHop = announced;
            }
        }

        if (best is null || hop - ((long)bestHop + 1) < _options.OptimizationThreshold)
        {
            return null;
        }

        announcedHop = bestHop;
        return best;
    }

    /// <summary>
    /// Records whether <paramref name="peer"/> offered a shorter path past <paramref name="parent"/> for
    /// <paramref name="id"/> and returns true when the shortcut is confirmed: on <paramref name="needed"/> distinct
    /// messages from that parent in a row (one from it without the shortcut starts the count again). Without damping
    /// (<see cref="BroadcastOptions.OptimizationConfirmations"/> = 1) nothing is recorded.
    /// </summary>
    private bool NoteShortcut(PeerState peer, MessageId id, string parent, bool shorter, int needed)
    {
        if (_options.OptimizationConfirmations <= 1)
        {
            return shorter;
        }

        var sameParent = string.Equals(peer.ShortcutParent, parent, StringComparison.Ordinal);
        if (!shorter)
        {
            if (sameParent)
            {
                peer.ShortcutStreak = 0;
            }

            return false;
        }

        if (!sameParent)
        {
            peer.ShortcutParent = parent;
            peer.ShortcutStreak = 0;
        }

        if (peer.ShortcutMessage != id)
        {
            peer.ShortcutMessage = id;
            peer.ShortcutStreak++;
        }

        return peer.ShortcutStreak >= needed;
    }

    private void OnDuplicate(PeerState peer, MessageId id, int hop, TimeSpan now)
    {
        // The sender delivered at hop - 1: a much shorter path than ours swaps our parent for it.
        ref var entry = ref _messages.Find(id);
        if (!Unsafe.IsNullRef(ref entry) && TryOptimize(ref entry, id, peer, hop - 1, viaAnnouncement: false, now))
        {
            return;
        }

        if (IsTreeLink(peer))
        {
            // The shared tree: a duplicate on a tree link is not a reason to cut the tree; but when the message came
            // first over a link outside the tree (a repair Graft's, or a peer that still pushes to us), that link
            // closes a cycle with the tree and its copies arrive first, so its own duplicates never come: prune it.
            if (!Unsafe.IsNullRef(ref entry) && entry.From is { } first && _peers.TryGetValue(first, out var parent)
                && parent.IsEager && !IsTreeLink(parent) && !IsProtected(parent))
            {
                MoveToLazy(parent);
                SendPrune(parent.Name);
            }

            return;
        }

        if (IsProtected(peer))
        {
            return;
        }

        if (ShouldPrune(peer, now))
        {
            peer.DuplicateStreak = 0;
            peer.PruneAt = null;
            MoveToLazy(peer);
            SendPrune(peer.Name);
        }
    }

    /// <summary>
    /// Counts one duplicate from <paramref name="peer"/> and says whether it is pruned now. Damping
    /// (<see cref="BroadcastOptions.PruneAfterDuplicates"/> &gt; 1): with many concurrent senders a single duplicate is
    /// often a race between repairs, not a cycle; a real cycle keeps producing duplicates on the link. Spreading
    /// (<see cref="BroadcastOptions.PruneDelay"/> &gt; 0): reaching the count only arms the prune for a random later
    /// moment, and the first duplicate after it prunes, so the links of one cycle are not all pruned at once (which
    /// would cut the tree apart). New messages from the peer take the count back; at zero the prune is disarmed.
    /// </summary>
    private bool ShouldPrune(PeerState peer, TimeSpan now)
    {
        if (++peer.DuplicateStreak < _options.PruneAfterDuplicates)
        {
            return false;
        }

        var delay = _options.PruneDelay;
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        if (peer.PruneAt is not { } at)
        {
            peer.PruneAt = now + delay + TimeSpan.FromTicks((long)(delay.Ticks * _random.NextDouble()));
            return false;
        }

        return now >= at;
    }

    // Rule 4 (and rule 7 for ids already delivered).
    private void OnIHave(PeerState? peer, string from, in PlumtreeFrame frame, TimeSpan now)
    {
        var adopted = peer ?? TryAdopt(from, eager: false);
        foreach (var announcement in frame.Entries.Span)
        {
            if (announcement.Id.IsEmpty || announcement.Hop < 0)
            {
                _counters.Malformed++;
                continue;
            }

            ref var entry = ref _messages.Find(announcement.Id);
            if (!Unsafe.IsNullRef(ref entry))
            {
                if (adopted is not null && _options.LatencyOptimization)
                {
                    NoteLateAnnouncement(entry, announcement.Id, adopted, now);
                }
                else if (adopted is not null)
                {
                    TryOptimize(ref entry, announcement.Id, adopted, announcement.Hop, viaAnnouncement: true, now);
                }

                continue;
            }

            RememberAnnouncer(announcement.Id, from, announcement.Hop, now);
        }

        if (adopted is null)
        {
            SendDisconnect(from);
        }
    }

    // Rule 5.
    private void OnGraft(PeerState? peer, string from, in PlumtreeFrame frame)
    {
        var adopted = peer ?? TryAdopt(from, eager: true);
        if (adopted is not null && !adopted.IsEager)
        {
            MoveToEager(adopted);
        }

        if (!frame.Id.IsEmpty)
        {
            ref var entry = ref _messages.Find(frame.Id);
            if (!Unsafe.IsNullRef(ref entry) && _messages.TryGetPayload(frame.Id, entry, out var payload))
            {
                Send(from, PlumtreeFrame.Gossip(frame.Id, NextHop(entry.Hop), payload));
                _counters.GossipSent++;
            }
            else if (_output.TryGetStored(frame.Id, out var stored))
            {
                // Evicted from the cache but kept in the longer-lived store: served, at the hop count the asker saw.
                Send(from, PlumtreeFrame.Gossip(frame.Id, Math.Max(1, frame.Hop), stored));
                _counters.GossipSent++;
                _counters.GraftServedFromStore++;
            }
            else
            {
                _counters.GraftUnserved++;
            }
        }

        if (adopted is null)
        {
            SendDisconnect(from);
        }
    }

    // Rule 6.
    private void OnPrune(PeerState? peer, string from)
    {
        if (peer is null)
        {
            // The sender counts us as a peer: take it as a lazy one if there is room, else tell it we are not.
            if (TryAdopt(from, eager: false) is null)
            {
                SendDisconnect(from);
            }

            return;
        }

        if (!IsProtected(peer) && !IsTreeLink(peer))
        {
            MoveToLazy(peer);
        }
    }

    /// <summary>
    /// Rule 7 (paper Algorithm 4): <paramref name="announcer"/> delivered the message at <paramref name="announcedHop"/>,
    /// so through it we would have delivered at announcedHop + 1. When that beats our delivery hop by the threshold,
    /// make it eager (Graft with an empty id when it only announced) and prune the peer we got the message from.
    /// The entry then records the shorter path, so one message swaps at most once per better path. Damped by
    /// <see cref="BroadcastOptions.OptimizationConfirmations"/>: the shortcut past the same parent must hold on
    /// consecutive messages from it, except within <see cref="BroadcastOptions.OptimizationRepairWindow"/> of a view change.
    /// </summary>
    private bool TryOptimize(ref MessageStore.Entry entry, MessageId id, PeerState announcer, int announcedHop, bool viaAnnouncement, TimeSpan now)
    {
        if (!Optimizing || _options.LatencyOptimization || entry.From is null || string.Equals(entry.From, announcer.Name, StringComparison.Ordinal))
        {
            return false;
        }

        var throughAnnouncer = (long)announcedHop + 1;
        var needed = now < _undampedUntil ? 1 : _options.OptimizationConfirmations;
        if (!NoteShortcut(announcer, id, entry.From, entry.Hop - throughAnnouncer >= _options.OptimizationThreshold, needed))
        {
            return false;
        }

        announcer.ShortcutStreak = 0;
        Swap(ref entry, announcer, announcedHop, viaAnnouncement);
        return true;
    }

    /// <summary>
    /// The swap of rule 7: make <paramref name="announcer"/> eager (Graft with an empty id when it only announced), prune
    /// the message's parent unless protected, and record the path through the announcer in the entry.
    /// </summary>
    private void Swap(ref MessageStore.Entry entry, PeerState announcer, int announcedHop, bool viaAnnouncement)
    {
        if (!announcer.IsEager)
        {
            MoveToEager(announcer);
        }

        if (viaAnnouncement)
        {
            Send(announcer.Name, PlumtreeFrame.Graft(MessageId.Empty, announcedHop));
            _counters.GraftSent++;
        }

        if (entry.From is not null && _peers.TryGetValue(entry.From, out var parent) && !IsProtected(parent))
        {
            MoveToLazy(parent);
            SendPrune(parent.Name);
        }

        entry.From = announcer.Name;
        entry.Hop = (int)((long)announcedHop + 1);
        _counters.Optimizations++;
    }

    /// <summary>Gossip(hop + 1) to every eager peer and an announcement to every lazy peer, except <paramref name="except"/> and <paramref name="alsoExcept"/>.</summary>
    private void Push(MessageId id, int hop, ReadOnlyMemory<byte> payload, PeerState? except, PeerState? alsoExcept, TimeSpan now)
    {
        if (_eager.Count > 0)
        {
            if (_fanOut.Length < _eager.Count)
            {
                _fanOut = new string[Math.Max(_eager.Count, _fanOut.Length * 2)];
            }

            var targets = 0;
            foreach (var peer in _eager)
            {
                if (!ReferenceEquals(peer, except) && !ReferenceEquals(peer, alsoExcept))
                {
                    _fanOut[targets++] = peer.Name;
                }
            }

            if (targets > 0)
            {
                // One call for the whole push: the sink encodes the frame once for every eager peer.
                _output.Send(new ReadOnlySpan<string>(_fanOut, 0, targets), PlumtreeFrame.Gossip(id, NextHop(hop), payload));
                _counters.GossipSent += targets;
            }
        }

        foreach (var peer in _lazy)
        {
            if (!ReferenceEquals(peer, except) && !ReferenceEquals(peer, alsoExcept))
            {
                Announce(peer, new IHaveEntry(id, hop), now);
            }
        }
    }

    /// <summary>
    /// Queues one announcement for a lazy peer: sent at once in unbatched mode (from the engine's single-entry
    /// scratch buffer), else batched until the batch is full or the interval after its first entry has passed.
    /// </summary>
    private void Announce(PeerState peer, IHaveEntry announcement, TimeSpan now)
    {
        if (_announceImmediately && peer.PendingCount == 0)
        {
            _singleIHave[0] = announcement;
            SendIHave(peer.Name, _singleIHave);
            return;
        }

        peer.AddPending(announcement, _options.IHaveBatchSize);
        if (peer.PendingCount >= _options.IHaveBatchSize || _announceImmediately)
        {
            FlushAnnouncements(peer);
        }
        else if (peer.PendingCount == 1)
        {
            ScheduleFlush(peer, now + _options.IHaveInterval);
        }
    }

    /// <summary>Sends the peer's pending batch straight from its buffer (the sink copies or encodes it during the call), then drops it.</summary>
    private void FlushAnnouncements(PeerState peer)
    {
        if (peer.PendingCount > 0)
        {
            SendIHave(peer.Name, peer.PendingBatch);
            peer.DropPending();
        }
    }

    private void SendIHave(string peer, ReadOnlyMemory<IHaveEntry> entries)
    {
        Send(peer, PlumtreeFrame.IHave(entries));
        _counters.IHaveFramesSent++;
        _counters.IHaveSent += entries.Length;
    }

    private void SendPrune(string peer)
    {
        Send(peer, PlumtreeFrame.Prune());
        _counters.PruneSent++;
    }

    /// <summary>Rule 7 acts: the optimisation is on and the shared tree (which replaces it) is off.</summary>
    private bool Optimizing => _options.Optimization && !_options.SharedTree;

    private bool IsProtected(PeerState peer) => peer.IsRing && _options.ProtectRingNeighbors;

    private static int NextHop(int hop) => hop == int.MaxValue ? hop : hop + 1;
}
