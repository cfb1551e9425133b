namespace Plumtree.Simulator.Flood;

/// <summary>
/// The symmetric bounded-degree overlay used by flood mode (the paper's "eager" control runs over the same
/// kind of overlay as Plumtree: HyParView active views of 5). Built as a random k-regular graph by random
/// stub pairing, and repaired the same way after failures: nodes that lost links are paired with each
/// other at random, and what pairing cannot place is fixed by edge switches (remove a random edge a–b,
/// add u–a and u–b), so degrees never exceed k. Deterministic from the <see cref="Random"/> given.
/// </summary>
internal sealed class FloodOverlay
{
    private const int SwitchAttempts = 200;

    private readonly int _k;
    private readonly int[] _adj;
    private readonly int[] _deg;

    public FloodOverlay(int nodes, int degree)
    {
        _k = degree;
        _adj = new int[nodes * degree];
        _deg = new int[nodes];
    }

    /// <summary>Target (and maximum) degree.</summary>
    public int TargetDegree => _k;

    /// <summary>Number of node slots.</summary>
    public int NodeCount => _deg.Length;

    /// <summary>Current degree of node <paramref name="node"/>.</summary>
    public int Degree(int node) => _deg[node];

    /// <summary>Current neighbours of node <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> Neighbors(int node) => _adj.AsSpan(node * _k, _deg[node]);

    /// <summary>True when a and b are linked.</summary>
    public bool HasEdge(int a, int b)
    {
        if (_deg[a] > _deg[b])
        {
            (a, b) = (b, a);
        }

        return Neighbors(a).Contains(b);
    }

    /// <summary>A random k-regular symmetric graph on all nodes (one node short of degree when n·k is odd).</summary>
    public static FloodOverlay RandomRegular(int nodes, int degree, Random random)
    {
        var overlay = new FloodOverlay(nodes, degree);
        var members = new int[nodes];
        for (var i = 0; i < nodes; i++)
        {
            members[i] = i;
        }

        overlay.Fill(members, random);
        return overlay;
    }

    /// <summary>Drops every link of <paramref name="node"/> (it failed and was detected).</summary>
    public void RemoveNode(int node)
    {
        while (_deg[node] > 0)
        {
            RemoveEdge(node, _adj[node * _k]);
        }
    }

    /// <summary>
    /// Restores degree k where possible among <paramref name="members"/> (the nodes in the current view).
    /// Returns the number of links added.
    /// </summary>
    public int Fill(int[] members, Random random)
    {
        var added = 0;
        var stubs = new List<int>();
        foreach (var u in members)
        {
            for (var d = _deg[u]; d < _k; d++)
            {
                stubs.Add(u);
            }
        }

        // Random pairing, a few passes over what is left.
        for (var pass = 0; pass < 8 && stubs.Count >= 2; pass++)
        {
            Shuffle(stubs, random);
            var left = new List<int>();
            for (var i = 0; i + 1 < stubs.Count; i += 2)
            {
                int u = stubs[i], v = stubs[i + 1];
                if (u != v && !HasEdge(u, v))
                {
                    AddEdge(u, v);
                    added++;
                }
                else
                {
                    left.Add(u);
                    left.Add(v);
                }
            }

            if (stubs.Count % 2 == 1)
            {
                left.Add(stubs[^1]);
            }

            if (left.Count == stubs.Count)
            {
                stubs = left;
                break;
            }

            stubs = left;
        }

        if (stubs.Count == 0 || members.Length <= _k + 1)
        {
            return added;
        }

        // Edge switches: a node short by two takes over a random edge a–b as u–a and u–b.
        var deficit = new Dictionary<int, int>();
        foreach (var u in stubs)
        {
            deficit[u] = deficit.GetValueOrDefault(u) + 1;
        }

        var singles = new List<int>();
        foreach (var u in stubs.Distinct().Order())
        {
            var need = deficit[u];
            for (var attempt = 0; need >= 2 && attempt < SwitchAttempts; attempt++)
            {
                if (TryRandomEdge(members, random, out var a, out var b) && a != u && b != u && !HasEdge(u, a) && !HasEdge(u, b))
                {
                    RemoveEdge(a, b);
                    AddEdge(u, a);
                    AddEdge(u, b);
                    added++;
                    need -= 2;
                }
            }

            if (need == 1)
            {
                singles.Add(u);
            }
        }

        // Two nodes short by one each: a–b becomes u–a and v–b.
        for (var i = 0; i + 1 < singles.Count; i += 2)
        {
            int u = singles[i], v = singles[i + 1];
            for (var attempt = 0; attempt < SwitchAttempts; attempt++)
            {
                if (TryRandomEdge(members, random, out var a, out var b)
                    && a != u && a != v && b != u && b != v && !HasEdge(u, a) && !HasEdge(v, b))
                {
                    RemoveEdge(a, b);
                    AddEdge(u, a);
                    AddEdge(v, b);
                    added++;
                    break;
                }
            }
        }

        return added;
    }

    private bool TryRandomEdge(int[] members, Random random, out int a, out int b)
    {
        a = members[random.Next(members.Length)];
        b = -1;
        if (_deg[a] == 0)
        {
            return false;
        }

        b = _adj[(a * _k) + random.Next(_deg[a])];
        return true;
    }

    private void AddEdge(int a, int b)
    {
        _adj[(a * _k) + _deg[a]++] = b;
        _adj[(b * _k) + _deg[b]++] = a;
    }

    private void RemoveEdge(int a, int b)
    {
        RemoveHalf(a, b);
        RemoveHalf(b, a);
    }

    private void RemoveHalf(int a, int b)
    {
        var row = _adj.AsSpan(a * _k, _deg[a]);
        var i = row.IndexOf(b);
        row[i] = row[^1];
        _deg[a]--;
    }

    private static void Shuffle(List<int> list, Random random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
