namespace Plumtree.Simulator.Core;

/// <summary>The lower bound for time to last delivery on the engines' own overlay (<see cref="SimConfig.ShortestPaths"/>).</summary>
internal sealed partial class Simulation
{
    /// <summary>
    /// The time a flood from <paramref name="origin"/> over the live engines' peer sets (eager and lazy links, as they are
    /// now, each with its latency) would take to reach the last live node it reaches, in ms: Dijkstra's shortest paths.
    /// </summary>
    private double ShortestPathEccentricityMs(int origin)
    {
        var engines = _engines!;
        var distance = new long[_n];
        Array.Fill(distance, long.MaxValue);
        distance[origin] = 0;
        var queue = new PriorityQueue<int, long>();
        queue.Enqueue(origin, 0);
        long farthest = 0;
        while (queue.TryDequeue(out var node, out var d))
        {
            if (d > distance[node])
            {
                continue;
            }

            farthest = Math.Max(farthest, d);
            if (!_alive[node] || engines[node] is not { } engine)
            {
                continue;
            }

            foreach (var list in new[] { engine.EagerPeers, engine.LazyPeers })
            {
                foreach (var peer in list)
                {
                    var next = _index[peer];
                    if (!_alive[next])
                    {
                        continue;
                    }

                    var through = d + _network.LinkDelay(node, next);
                    if (through < distance[next])
                    {
                        distance[next] = through;
                        queue.Enqueue(next, through);
                    }
                }
            }
        }

        return farthest / (double)TimeSpan.TicksPerMillisecond;
    }
}
