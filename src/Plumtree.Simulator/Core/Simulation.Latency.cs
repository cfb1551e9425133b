namespace Plumtree.Simulator.Core;

/// <summary>The lower bound for time to last delivery on the engines' own overlay (<see cref="SimConfig.ShortestPaths"/>).</summary>
internal sealed partial class Simulation
{
    /// <summary>
    /// The time a flood from <paramref name="origin"/> over the live engines' peer sets (eager and lazy links, as they are
    /// now, each with its latency) would take to reach the last live node it reaches, in ms: Dijkstra's shortest paths.
    /// </summary>
    private double ShortestPathEccentricityMs(int origin) => Eccentricity(ShortestPaths(origin, tree: null)) / (double)TimeSpan.TicksPerMillisecond;

    /// <summary>
    /// The time to the last live node from <paramref name="origin"/> over one fixed shared tree of the same overlay: the
    /// shortest-path tree of the most central of 32 live nodes (evenly spaced in index order; the one whose flood reaches
    /// the last node first), built once at the first measured broadcast. An estimate of the best any one shared tree does
    /// for many senders, in ms.
    /// </summary>
    private double CentralTreeEccentricityMs(int origin)
    {
        if (_centralTree is null)
        {
            long best = long.MaxValue;
            int[]? bestParents = null;
            for (var k = 0; k < 32; k++)
            {
                var root = _liveList[(int)((long)k * _aliveCount / 32)];
                var parents = new int[_n];
                var distance = ShortestPaths(root, tree: null, parents);
                var eccentricity = Eccentricity(distance);
                if (eccentricity < best)
                {
                    best = eccentricity;
                    bestParents = parents;
                }
            }

            var adjacency = new List<int>[_n];
            for (var i = 0; i < _n; i++)
            {
                adjacency[i] = [];
            }

            for (var i = 0; i < _n; i++)
            {
                if (bestParents![i] >= 0)
                {
                    adjacency[i].Add(bestParents[i]);
                    adjacency[bestParents[i]].Add(i);
                }
            }

            _centralTree = adjacency;
        }

        return Eccentricity(ShortestPaths(origin, _centralTree)) / (double)TimeSpan.TicksPerMillisecond;
    }

    private List<int>[]? _centralTree;

    private static long Eccentricity(long[] distance)
    {
        long farthest = 0;
        foreach (var d in distance)
        {
            if (d != long.MaxValue)
            {
                farthest = Math.Max(farthest, d);
            }
        }

        return farthest;
    }

    /// <summary>Dijkstra from <paramref name="origin"/> over the live engines' peer sets, or over <paramref name="tree"/>'s links.</summary>
    private long[] ShortestPaths(int origin, List<int>[]? tree, int[]? parents = null)
    {
        var engines = _engines!;
        var distance = new long[_n];
        if (parents is not null)
        {
            Array.Fill(parents, -1);
        }

        Array.Fill(distance, long.MaxValue);
        distance[origin] = 0;
        var queue = new PriorityQueue<int, long>();
        queue.Enqueue(origin, 0);
        while (queue.TryDequeue(out var node, out var d))
        {
            if (d > distance[node] || !_alive[node] || engines[node] is not { } engine)
            {
                continue;
            }

            IEnumerable<int> neighbours = tree is not null
                ? tree[node]
                : engine.EagerPeers.Concat(engine.LazyPeers).Select(peer => _index[peer]);
            foreach (var next in neighbours)
            {
                if (!_alive[next])
                {
                    continue;
                }

                var through = d + _network.LinkDelay(node, next);
                if (through < distance[next])
                {
                    distance[next] = through;
                    if (parents is not null)
                    {
                        parents[next] = node;
                    }

                    queue.Enqueue(next, through);
                }
            }
        }

        return distance;
    }
}
