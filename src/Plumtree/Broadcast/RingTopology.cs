namespace Plumtree.Broadcast;

/// <summary>
/// Hash-ring neighbours of a node in a <see cref="PeerView"/>: the nearest members on the ring, taken as
/// successor, predecessor, 2nd successor, 2nd predecessor, and so on. The relation is made symmetric (each
/// side takes as many successors as predecessors, ⌈k/2⌉ of each), so two nodes with the same view agree on
/// whether they are ring neighbours. O(k) when the node is in the view (O(log n) hashes when it is not).
/// </summary>
/// <remarks>
/// Zone-aware (the view holds two or more zones and the node is in it): the k neighbours are taken on the node's
/// own zone's sub-ring (its zone's members in ring order), so losing any other zone never breaks them, and up to two
/// cross-zone ring neighbours join the zones: zones sorted by name form a cycle, and a member x of zone Zi is linked
/// to the member of Zi+1 that follows it on the merged ring of Zi and Zi+1 (the ring with only those two zones'
/// members, in ring order) when that follower is in Zi+1, and to the member of Zi-1 it follows on the merged ring of
/// Zi-1 and Zi when that one is in Zi-1. Both ends compute the same relation (it is adjacency on one merged ring), so
/// it is symmetric; every pair of neighbouring zones has at least one such link while both have members; a node
/// has at most two; and a member that joins or leaves changes only the links next to it.
/// </remarks>
internal static class RingTopology
{
    /// <summary>Ring neighbours of <paramref name="self"/>, nearest first; empty when <paramref name="k"/> is 0.</summary>
    /// <param name="view">The view.</param>
    /// <param name="self">This node.</param>
    /// <param name="k">Ring neighbours wanted (within the zone when zone-aware).</param>
    /// <param name="zoneAware">Use the zone-aware layout when the view holds two or more zones.</param>
    /// <param name="crossZone">Add the (at most two) cross-zone ring neighbours (zone-aware only).</param>
    public static string[] Compute(PeerView view, string self, int k, bool zoneAware = false, bool crossZone = false)
    {
        var n = view.Count;
        var position = view.PositionOf(self);
        if (zoneAware && position >= 0 && view.Zones is { } zones)
        {
            return ComputeZoned(view, zones, position, k, crossZone);
        }

        if (k <= 0 || n == 0)
        {
            return [];
        }

        var inView = position >= 0;
        var others = inView ? n - 1 : n;
        if (others == 0)
        {
            return [];
        }

        if (!inView)
        {
            position = InsertionPoint(view, self);
        }

        var half = (k + 1) / 2;
        var result = new List<string>(Math.Min(2 * half, others));
        for (var j = 1; j <= half && result.Count < others; j++)
        {
            // When self is absent, ring[position] is its first successor.
            AddDistinct(result, view[inView ? position + j : position + j - 1], self);
            AddDistinct(result, view[position - j], self);
        }

        return [.. result];
    }

    /// <summary>The zone-aware ring neighbours: k on the own zone's sub-ring, then the cross-zone ones.</summary>
    private static string[] ComputeZoned(PeerView view, ZoneLayout zones, int position, int k, bool crossZone)
    {
        var self = view[position];
        var zone = zones.ZoneAt[position];
        var sub = zones.Positions[zone];
        var index = zones.IndexInZone[position];
        var m = sub.Length;
        var result = new List<string>(k + 3);
        var half = k > 0 ? (k + 1) / 2 : 0;
        for (var j = 1; j <= half && result.Count < m - 1; j++)
        {
            AddDistinct(result, view[sub[(index + j) % m]], self);
            AddDistinct(result, view[sub[(((index - j) % m) + m) % m]], self);
        }

        if (crossZone)
        {
            var count = zones.Count;
            var next = (zone + 1) % count;
            var prev = (zone + count - 1) % count;

            // x then y on the merged ring of Zi and Zi+1: y is the first Zi+1 member after x, and x the last Zi member before y.
            var follower = zones.SuccessorIn(next, position);
            if (zones.PredecessorIn(zone, follower) == position)
            {
                AddDistinct(result, view[follower], self);
            }

            // r then x on the merged ring of Zi-1 and Zi.
            var leader = zones.PredecessorIn(prev, position);
            if (zones.SuccessorIn(zone, leader) == position)
            {
                AddDistinct(result, view[leader], self);
            }
        }

        return [.. result];
    }

    /// <summary>True when <paramref name="other"/> is in <paramref name="ring"/> (linear in k).</summary>
    public static bool Contains(string[] ring, string other)
    {
        foreach (var name in ring)
        {
            if (string.Equals(name, other, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static void AddDistinct(List<string> result, string name, string self)
    {
        if (string.Equals(name, self, StringComparison.Ordinal) || result.Contains(name, StringComparer.Ordinal))
        {
            return;
        }

        result.Add(name);
    }

    /// <summary>Where <paramref name="name"/> would sit on the ring: the index of its first successor.</summary>
    private static int InsertionPoint(PeerView view, string name)
    {
        var hash = PeerView.RingHash(name);
        var ring = view.Ring;
        int lo = 0, hi = ring.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var h = PeerView.RingHash(ring[mid]);
            var c = h != hash ? h.CompareTo(hash) : string.CompareOrdinal(ring[mid], name);
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
