namespace Plumtree.Broadcast;

// Zones (docs/broadcast.md, "Zones"): the view carries each member's zone. A peer in another zone than this node's is
// cross-zone (always known, for the operator; zone awareness on or off). With zone awareness on
// (MinCrossZoneLinks > 0) and two or more zones in the view, the ring neighbours come from the zone layout
// (RingTopology) and the peer set keeps MinCrossZoneLinks cross-zone links: they are not evicted while needed, a
// missing one is asked for at high priority (making room by evicting a same-zone peer that is not a ring
// neighbour), and a request from another zone is accepted the same way while this node lacks one.
public sealed partial class BroadcastEngine
{
    private int _selfZone = -1;
    private bool _zoneAware;

    /// <summary>This node's zone in the view in force, or null when it has none (or is not in the view).</summary>
    public string? Zone => _view.ZoneOf(_self);

    /// <summary>Peers (eager or lazy) in another zone than this node's.</summary>
    public int CrossZonePeers
    {
        get
        {
            var count = 0;
            foreach (var peer in _peers.Values)
            {
                if (peer.CrossZone)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>True when <paramref name="name"/> is a view member in another zone than this node's.</summary>
    public bool IsCrossZone(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ZoneIndexOf(name) is var zone and >= 0 && _selfZone >= 0 && zone != _selfZone;
    }

    /// <summary>After a view change: this node's zone, whether zone rules apply, and each peer's cross-zone mark.</summary>
    private void UpdateZones()
    {
        _selfZone = ZoneIndexOf(_self);
        _zoneAware = _options.MinCrossZoneLinks > 0 && _selfZone >= 0;
        foreach (var peer in _peers.Values)
        {
            peer.CrossZone = IsCrossZone(peer.Name);
        }
    }

    private int ZoneIndexOf(string name)
    {
        if (_view.Zones is not { } zones)
        {
            return -1;
        }

        var position = _view.PositionOf(name);
        return position >= 0 ? zones.ZoneAt[position] : -1;
    }

    /// <summary>Cross-zone links still wanted: MinCrossZoneLinks (or every member of other zones, when fewer) less those held.</summary>
    private int CrossZoneDeficit()
    {
        if (!_zoneAware)
        {
            return 0;
        }

        var others = _view.Count - _view.Zones!.Positions[_selfZone].Length;
        return Math.Max(0, Math.Min(_options.MinCrossZoneLinks, others) - CrossZonePeers);
    }

    /// <summary>True when <paramref name="peer"/> is one of the cross-zone links the rule needs (not evicted).</summary>
    private bool IsNeededCrossZone(PeerState peer) =>
        _zoneAware && peer.CrossZone && CrossZonePeers <= _options.MinCrossZoneLinks;

    /// <summary>Asks members of other zones to become peers while cross-zone links are missing (high priority, room made by evicting a same-zone peer).</summary>
    private void EnsureCrossZoneLinks(TimeSpan now)
    {
        for (var deficit = CrossZoneDeficit(); deficit > 0; deficit--)
        {
            if (PickCrossZoneCandidate(now) is not { } candidate)
            {
                return;
            }

            if (_peers.Count >= _degree)
            {
                if (PickEvictable(sameZoneOnly: true) is not { } victim)
                {
                    return;
                }

                Evict(victim);
            }

            AddPeer(candidate, eager: _eager.Count < _options.EagerFanout);
            Send(candidate, PlumtreeFrame.Neighbor(highPriority: true));
            _counters.NeighborSent++;
        }
    }

    /// <summary>A random member of another zone that is not a peer and has not refused lately, or null.</summary>
    private string? PickCrossZoneCandidate(TimeSpan now)
    {
        var zones = _view.Zones!;
        var own = zones.Positions[_selfZone].Length;
        var others = _view.Count - own;
        if (others <= 0)
        {
            return null;
        }

        var samples = SampleBudget(1);
        var scan = others <= samples;
        var start = _random.Next(others);
        var limit = scan ? others : samples;
        for (var i = 0; i < limit; i++)
        {
            var name = _view[OtherZonePosition(zones, scan ? (start + i) % others : _random.Next(others))];
            if (!_peers.ContainsKey(name) && !IsRefused(name, now))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The ring position of the <paramref name="r"/>-th member of the zones other than this node's (zone by zone).</summary>
    private int OtherZonePosition(ZoneLayout zones, int r)
    {
        for (var z = 0; z < zones.Count; z++)
        {
            if (z == _selfZone)
            {
                continue;
            }

            var members = zones.Positions[z];
            if (r < members.Length)
            {
                return members[r];
            }

            r -= members.Length;
        }

        throw new InvalidOperationException("Member index out of range.");
    }
}
