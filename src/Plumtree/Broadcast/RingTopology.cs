namespace Plumtree.Broadcast;

/// <summary>
/// Hash-ring neighbours of a node in a <see cref="PeerView"/>: the nearest members on the ring, taken as
/// successor, predecessor, 2nd successor, 2nd predecessor, and so on. The relation is made symmetric (each
/// side takes as many successors as predecessors, ⌈k/2⌉ of each), so two nodes with the same view agree on
/// whether they are ring neighbours. O(k) when the node is in the view (O(log n) hashes when it is not).
/// </summary>
internal static class RingTopology
{
    /// <summary>Ring neighbours of <paramref name="self"/>, nearest first; empty when <paramref name="k"/> is 0.</summary>
    public static string[] Compute(PeerView view, string self, int k)
    {
        var n = view.Count;
        if (k <= 0 || n == 0)
        {
            return [];
        }

        var position = view.PositionOf(self);
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
