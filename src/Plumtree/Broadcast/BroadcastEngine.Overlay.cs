
namespace Plumtree.Broadcast;

// The overlay: a symmetric, bounded-degree peer set over the view. Ring neighbours are always in it; the rest
// of the degree is filled with random members, each asked with Neighbor and dropped again if it refuses.
public sealed partial class BroadcastEngine
{
    private const int MaxBackoff = 32;

    private readonly Dictionary<string, PeerState> _peers = new(StringComparer.Ordinal);
    private readonly List<PeerState> _eager = [];
    private readonly List<PeerState> _lazy = [];
    private readonly Dictionary<string, TimeSpan> _refusedUntil = new(StringComparer.Ordinal);
    private PeerView _view = PeerView.Empty;
    private string[] _ring = [];
    private int _repairBackoff = 1;
    private int _lastRepairSize = -1;
    private int _stalledRounds;
    private long _peerSetVersion;

    /// <summary>
    /// A stamp of the peer sets: bumped whenever the eager, lazy or ring-neighbour set changes, never otherwise
    /// (a broadcast, a delivery or a cache change leaves it alone). A driver that publishes the sorted sets after
    /// every input rebuilds them only when the stamp moved.
    /// </summary>
    public long PeerSetVersion => _peerSetVersion;

    /// <summary>The membership view of Plumtree-capable members changed (may include or exclude self).</summary>
    /// <remarks>
    /// Drops peers that left (and their pending announcements), recomputes the ring neighbours and asks a few
    /// random members to fill the degree; the rest is filled by repair ticks. Frames held from senders the new view
    /// includes are processed (in arrival order) before the fill. Passing the view already in force
    /// (the same instance) changes nothing, so a driver may hand it over on every membership round.
    /// </remarks>
    public void SetView(PeerView view, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(view);
        Advance(now);
        if (ReferenceEquals(view, _view))
        {
            Finish();
            return;
        }

        _view = view;
        UpdateZones();
        UpdateTreeRoots(now);
        _undampedUntil = now + _options.OptimizationRepairWindow;
        DropDeparted();
        _ring = _options.HashRing ? RingTopology.Compute(view, _self, _options.MaxProtectedNeighbors, _zoneAware, CrossZoneRingNeighbors) : [];
        _peerSetVersion++;
        EnsureRingNeighbors();
        SettleDroppedRingLinks(now);
        ReleaseParked(now); // before filling: a joiner's held Neighbor request takes a free slot first
        _repairBackoff = 1;
        _lastRepairSize = -1;
        CancelRepair();
        FillRound(now);
        ScheduleRepairIfShort(now);
        Finish();
    }

    /// <summary>Restore the fanout targets: drop departed peers, fill the overlay, reset eager/lazy to the targets.</summary>
    public void Rebalance(TimeSpan now)
    {
        Advance(now);
        DropDeparted();
        EnsureRingNeighbors();
        EnsureCrossZoneLinks(now);
        var missing = Missing();
        Fill(now, missing, 4 * SampleBudget(missing));
        ResetRoles();
        if (_options.SharedTree)
        {
            _treeLinks.Clear(); // roles were reset: the next recompute puts the tree's back
            _treeStale = true;
        }

        _repairBackoff = 1;
        ScheduleRepairIfShort(now);
        Finish();
    }

    /// <summary>An RTT sample for a peer, from live traffic; feeds the peer scores <see cref="Rebalance"/> uses.</summary>
    public void ObserveRtt(string peer, TimeSpan rtt)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (rtt >= TimeSpan.Zero && _peers.TryGetValue(peer, out var state))
        {
            state.ObserveRtt(rtt);
        }
    }

    private void OnNeighbor(PeerState? peer, string from, bool highPriority)
    {
        if (peer is not null)
        {
            return; // already linked (the requests crossed, or a repeat)
        }

        var ring = RingTopology.Contains(_ring, from);
        if (_peers.Count >= _degree)
        {
            var wanted = highPriority || ring || (CrossZoneDeficit() > 0 && IsCrossZone(from));
            var victim = wanted ? PickEvictable() : null;
            if (victim is null)
            {
                if (!wanted && SpliceInLegacy(from))
                {
                    return;
                }

                SendDisconnect(from);
                return;
            }

            Evict(victim);
        }

        _refusedUntil.Remove(from);
        AddPeer(from, eager: ring || _eager.Count < _options.EagerFanout).Confirmed = true;
    }

    private void OnDisconnect(PeerState? peer, string from, TimeSpan now)
    {
        if (peer is null)
        {
            return;
        }

        // A ring neighbour stays: the shared view defines the ring, and the other side adds us back when its
        // view catches up with ours. The next view change settles it (SettleDroppedRingLinks).
        if (peer.IsRing)
        {
            peer.DroppedByRemote = true;
            return;
        }

        RemovePeer(peer);
        RememberRefusal(from, now);
        if (peer.Confirmed)
        {
            _repairBackoff = 1; // evicted from an established link: refill promptly
        }

        ScheduleRepair(now + (_options.OverlayRepairInterval * _repairBackoff));
    }

    /// <summary>
    /// A view member that is not a peer sent us a frame, so it counts us as its peer: add it if there is room
    /// (telling it with Neighbor, which is a no-op when it has us), else return null and let the caller process
    /// the frame and answer Disconnect so both ends agree.
    /// </summary>
    private PeerState? TryAdopt(string name, bool eager)
    {
        if (_peers.Count >= _degree)
        {
            return null;
        }

        _refusedUntil.Remove(name);
        var peer = Link(name, eager);
        peer.Confirmed = true;
        return peer;
    }

    /// <summary>Adds a peer and asks it to add us (high priority when our set was empty).</summary>
    private PeerState Link(string name, bool eager)
    {
        var wasEmpty = _peers.Count == 0;
        var peer = AddPeer(name, eager);
        Send(name, PlumtreeFrame.Neighbor(wasEmpty));
        _counters.NeighborSent++;
        return peer;
    }

    private PeerState AddPeer(string name, bool eager)
    {
        var peer = new PeerState(name) { IsEager = eager, IsRing = RingTopology.Contains(_ring, name), CrossZone = IsCrossZone(name) };
        if (_treeActive && eager && !IsProtected(peer))
        {
            peer.IsEager = eager = false; // the shared tree decides the eager links: a new peer is lazy until it is a tree link
        }

        _peers.Add(name, peer);
        (eager ? _eager : _lazy).Add(peer);
        _peerSetVersion++;
        NoteTreePeerChange(added: true);
        return peer;
    }

    private void RemovePeer(PeerState peer)
    {
        _peers.Remove(peer.Name);
        (peer.IsEager ? _eager : _lazy).Remove(peer);
        _peerSetVersion++;
        peer.Active = false;
        peer.DropPending();
        NoteTreePeerChange(added: false);
    }

    private void Evict(PeerState victim)
    {
        RemovePeer(victim);
        SendDisconnect(victim.Name);
    }

    private void MoveToEager(PeerState peer)
    {
        if (!peer.IsEager)
        {
            _lazy.Remove(peer);
            _eager.Add(peer);
            _peerSetVersion++;
            peer.IsEager = true;
            peer.DuplicateStreak = 0;
            peer.PruneAt = null;
        }
    }

    private void MoveToLazy(PeerState peer)
    {
        if (peer.IsEager)
        {
            _eager.Remove(peer);
            _lazy.Add(peer);
            _peerSetVersion++;
            peer.IsEager = false;
        }
    }

    private void SendDisconnect(string peer)
    {
        Send(peer, PlumtreeFrame.Disconnect());
        _counters.DisconnectSent++;
    }

    /// <summary>
    /// A random peer that may be evicted, or null when there is none: not a ring neighbour, not one of the cross-zone
    /// links the zone rule needs, with <paramref name="sameZoneOnly"/> not cross-zone at all, not <paramref name="except"/>,
    /// and with <paramref name="knowsSplice"/> not a member the view marks legacy.
    /// </summary>
    private PeerState? PickEvictable(bool sameZoneOnly = false, string? except = null, bool knowsSplice = false)
    {
        var candidates = 0;
        foreach (var peer in _peers.Values)
        {
            if (IsEvictable(peer, sameZoneOnly, except, knowsSplice))
            {
                candidates++;
            }
        }

        if (candidates == 0)
        {
            return null;
        }

        var pick = _random.Next(candidates);
        foreach (var list in (ReadOnlySpan<List<PeerState>>)[_eager, _lazy])
        {
            foreach (var peer in list)
            {
                if (IsEvictable(peer, sameZoneOnly, except, knowsSplice) && pick-- == 0)
                {
                    return peer;
                }
            }
        }

        return null;
    }

    private bool IsEvictable(PeerState peer, bool sameZoneOnly, string? except, bool knowsSplice) =>
        !peer.IsRing && !(sameZoneOnly ? peer.CrossZone : IsNeededCrossZone(peer))
        && !string.Equals(peer.Name, except, StringComparison.Ordinal) && (!knowsSplice || _view.KnowsSplice(peer.Name));

    /// <summary>Cross-zone ring neighbours fit in the degree beside the k zone ring neighbours (2 of them at most).</summary>
    private bool CrossZoneRingNeighbors =>
        _degree - (_options.MaxProtectedNeighbors + (_options.MaxProtectedNeighbors % 2)) >= 2;

    /// <summary>Drops peers (and announcers of missing messages) that are no longer in the view.</summary>
    private void DropDeparted()
    {
        for (var pass = 0; pass < 2; pass++)
        {
            var list = pass == 0 ? _eager : _lazy;
            for (var i = list.Count - 1; i >= 0; i--)
            {
                if (!_view.Contains(list[i].Name))
                {
                    RemovePeer(list[i]);
                }
            }
        }

        if (_pending.Count > 0)
        {
            foreach (var pending in _pending.Values)
            {
                pending.RemoveWhere(name => !_view.Contains(name));
            }
        }
    }

    /// <summary>Marks ring neighbours, adds missing ones as eager (evicting others over the bound), keeps protected ones eager.</summary>
    private void EnsureRingNeighbors()
    {
        foreach (var peer in _peers.Values)
        {
            peer.IsRing = RingTopology.Contains(_ring, peer.Name);
            if (peer.IsRing && _options.ProtectRingNeighbors)
            {
                MoveToEager(peer);
            }
        }

        foreach (var name in _ring)
        {
            if (_peers.ContainsKey(name))
            {
                continue;
            }

            if (_peers.Count >= _degree && PickEvictable() is { } victim)
            {
                Evict(victim);
            }

            _refusedUntil.Remove(name);
            Link(name, eager: true);
        }
    }

    /// <summary>
    /// Ring neighbours that sent Disconnect while the two views disagreed: with the new view, one that is no
    /// longer a ring neighbour is dropped (else the link would stay one-sided), one that still is is asked again.
    /// </summary>
    private void SettleDroppedRingLinks(TimeSpan now)
    {
        List<PeerState>? dropped = null;
        foreach (var peer in _peers.Values)
        {
            if (peer.DroppedByRemote)
            {
                (dropped ??= []).Add(peer);
            }
        }

        if (dropped is null)
        {
            return;
        }

        foreach (var peer in dropped)
        {
            peer.DroppedByRemote = false;
            if (peer.IsRing)
            {
                Send(peer.Name, PlumtreeFrame.Neighbor(highPriority: false));
                _counters.NeighborSent++;
            }
            else
            {
                RemovePeer(peer);
                RememberRefusal(peer.Name, now);
            }
        }
    }

    /// <summary>Peers still wanted: the degree bound, or every other view member when the view is smaller.</summary>
    private int Missing()
    {
        var others = _view.Count - (_view.Contains(_self) ? 1 : 0);
        return Math.Min(_degree, others) - _peers.Count;
    }

    private static int SampleBudget(int missing) => missing <= 0 ? 0 : (4 * missing) + 8;

    /// <summary>
    /// Asks up to <paramref name="requests"/> random members to become peers, looking at most
    /// <paramref name="samples"/> ring positions (a small view is scanned from a random start instead).
    /// </summary>
    private void Fill(TimeSpan now, int requests, int samples)
    {
        var n = _view.Count;
        if (requests <= 0 || n == 0)
        {
            return;
        }

        var scan = n <= samples;
        var start = _random.Next(n);
        var limit = scan ? n : samples;
        for (var i = 0; i < limit && requests > 0 && _peers.Count < _degree; i++)
        {
            var name = _view.Ring[scan ? (start + i) % n : _random.Next(n)];
            if (string.Equals(name, _self, StringComparison.Ordinal) || _peers.ContainsKey(name) || IsRefused(name, now))
            {
                continue;
            }

            Link(name, eager: _eager.Count < _options.EagerFanout);
            requests--;
        }
    }

    /// <summary>A repair round: a few more requests while the set is short; backs off while rounds make no progress.</summary>
    private void RepairOverlay(TimeSpan now)
    {
        // Back off while rounds end where they started (requests refused, nobody new to ask).
        var size = _peers.Count;
        _repairBackoff = size == _lastRepairSize ? Math.Min(_repairBackoff * 2, MaxBackoff) : 1;
        _lastRepairSize = size;
        _stalledRounds = _repairBackoff > 1 ? _stalledRounds + 1 : 0;
        if (_stalledRounds % 2 == 1 && _options.OverlaySplice && Missing() > 0 && HasSplicePartner())
        {
            // Stalled: the last free slots are not found by probing, so every other stalled round splices instead (its
            // free slots stay free for the answer). The rounds between still probe, for members without the rule.
            EnsureCrossZoneLinks(now);
            SpliceRound(now);
        }
        else
        {
            FillRound(now);
        }

        ScheduleRepairIfShort(now);
    }

    /// <summary>
    /// Asks for about half the missing peers, leaving room to accept requests from others: when many nodes fill
    /// at once (a cluster start, a mass failure) requests that all took the last free slots would all be refused.
    /// </summary>
    private void FillRound(TimeSpan now)
    {
        EnsureCrossZoneLinks(now);
        var missing = Missing();
        Fill(now, missing > 1 ? (missing + 1) / 2 : missing, SampleBudget(missing));
    }

    private void ScheduleRepairIfShort(TimeSpan now)
    {
        if (Missing() > 0 || CrossZoneDeficit() > 0)
        {
            ScheduleRepair(now + (_options.OverlayRepairInterval * _repairBackoff));
        }
    }

    private bool IsRefused(string name, TimeSpan now)
    {
        if (!_refusedUntil.TryGetValue(name, out var until))
        {
            return false;
        }

        if (until > now)
        {
            return true;
        }

        _refusedUntil.Remove(name);
        return false;
    }

    /// <summary>Remembers that <paramref name="name"/> refused or dropped the link (bounded: expired and then the oldest entries go first).</summary>
    private void RememberRefusal(string name, TimeSpan now)
    {
        if (_options.NeighborRefusalTtl == TimeSpan.Zero)
        {
            return;
        }

        var limit = (4 * _degree) + 16;
        if (_refusedUntil.Count >= limit && !_refusedUntil.ContainsKey(name))
        {
            string? oldest = null;
            var oldestUntil = TimeSpan.MaxValue;
            List<string>? expired = null;
            foreach (var (key, until) in _refusedUntil)
            {
                if (until <= now)
                {
                    (expired ??= []).Add(key);
                }
                else if (until < oldestUntil)
                {
                    oldest = key;
                    oldestUntil = until;
                }
            }

            if (expired is not null)
            {
                expired.ForEach(key => _refusedUntil.Remove(key));
            }
            else if (oldest is not null)
            {
                _refusedUntil.Remove(oldest);
            }
        }

        _refusedUntil[name] = now + _options.NeighborRefusalTtl;
    }

    /// <summary>
    /// Rebalance's role reset: protected ring neighbours, then the best-scored peers (lowest RTT, unknown last,
    /// ties random) are eager up to EagerFanout, the rest lazy. Graft(empty id) tells a newly eager peer, Prune
    /// a newly lazy one, so both ends agree.
    /// </summary>
    private void ResetRoles()
    {
        var all = new List<PeerState>(_peers.Count);
        var ranked = new List<(PeerState Peer, long Score, int Tie)>(_peers.Count);
        var eagerSlots = _options.EagerFanout;
        foreach (var list in (ReadOnlySpan<List<PeerState>>)[_eager, _lazy])
        {
            foreach (var peer in list)
            {
                all.Add(peer);
                if (IsProtected(peer))
                {
                    eagerSlots--;
                }
                else
                {
                    ranked.Add((peer, peer.HasRtt ? peer.Rtt.Ticks : long.MaxValue, _random.Next()));
                }
            }
        }

        ranked.Sort(static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Tie.CompareTo(b.Tie));
        var wantEager = new HashSet<PeerState>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < ranked.Count && i < eagerSlots; i++)
        {
            wantEager.Add(ranked[i].Peer);
        }

        foreach (var peer in all)
        {
            var eager = IsProtected(peer) || wantEager.Contains(peer);
            if (eager && !peer.IsEager)
            {
                MoveToEager(peer);
                Send(peer.Name, PlumtreeFrame.Graft(MessageId.Empty, 0));
                _counters.GraftSent++;
            }
            else if (!eager && peer.IsEager)
            {
                MoveToLazy(peer);
                SendPrune(peer.Name);
            }
        }
    }
}
