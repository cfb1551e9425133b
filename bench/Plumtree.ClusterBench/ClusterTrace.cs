using System.Diagnostics;
using System.Globalization;
using Plumtree.Node;

namespace Plumtree.ClusterBench;

/// <summary>
/// <c>--trace</c>: samples the cluster every 200 ms and writes one line per sample to stderr — frames per second
/// (gossip, graft, prune, duplicates), the eager graph (edges, edges changed since the last sample, how many
/// sources reach every node over eager links alone), pending grafts, the event loops' input queues and the
/// stream writers' per-peer queues. It tells a churning tree (eager graph changing, sources not reaching all)
/// from a slow path (queues deep, eager graph stable and spanning).
/// </summary>
internal sealed class ClusterTrace(IReadOnlyList<PlumtreeNode> nodes)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var previousEdges = new HashSet<(string, string)>();
        var previous = Sample();
        Console.Error.WriteLine("t_s gossip/s graft/s prune/s dup/s eager_edges edges_changed spanning_sources pending_grafts loop_q_max loop_q_sum out_q_max out_q_sum");
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var current = Sample();
            var seconds = Interval.TotalSeconds;
            var edges = new HashSet<(string, string)>();
            var eager = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var pending = 0;
            int loopMax = 0, loopSum = 0, outMax = 0, outSum = 0;
            foreach (var node in nodes)
            {
                var snapshot = node.Snapshot;
                eager[node.Name] = snapshot.Broadcast.EagerPeers;
                pending += snapshot.Broadcast.PendingGrafts;
                foreach (var peer in snapshot.Broadcast.EagerPeers)
                {
                    edges.Add((node.Name, peer));
                }

                var depth = node.InputQueueDepth;
                loopMax = Math.Max(loopMax, depth);
                loopSum += depth;
                if (node.StreamTransport is { } streams)
                {
                    foreach (var peer in streams.Peers)
                    {
                        var queued = streams.QueuedFrames(peer);
                        outMax = Math.Max(outMax, queued);
                        outSum += queued;
                    }
                }
            }

            var changed = edges.Count(e => !previousEdges.Contains(e)) + previousEdges.Count(e => !edges.Contains(e));
            previousEdges = edges;
            var spanning = nodes.Count(source => Reach(source.Name, eager) == nodes.Count);
            Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{clock.Elapsed.TotalSeconds:F1} {(current.Gossip - previous.Gossip) / seconds:F0} {(current.Graft - previous.Graft) / seconds:F0} {(current.Prune - previous.Prune) / seconds:F0} {(current.Duplicates - previous.Duplicates) / seconds:F0} {edges.Count} {changed} {spanning} {pending} {loopMax} {loopSum} {outMax} {outSum}"));
            previous = current;
        }
    }

    private static int Reach(string source, Dictionary<string, IReadOnlyList<string>> eager)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { source };
        var queue = new Queue<string>();
        queue.Enqueue(source);
        while (queue.TryDequeue(out var node))
        {
            if (!eager.TryGetValue(node, out var peers))
            {
                continue;
            }

            foreach (var peer in peers)
            {
                if (seen.Add(peer))
                {
                    queue.Enqueue(peer);
                }
            }
        }

        return seen.Count;
    }

    private (long Gossip, long Graft, long Prune, long Duplicates) Sample()
    {
        long gossip = 0, graft = 0, prune = 0, duplicates = 0;
        foreach (var node in nodes)
        {
            var b = node.BroadcastCounters;
            gossip += Volatile.Read(ref b.GossipSent);
            graft += Volatile.Read(ref b.GraftSent);
            prune += Volatile.Read(ref b.PruneSent);
            duplicates += Volatile.Read(ref b.Duplicates);
        }

        return (gossip, graft, prune, duplicates);
    }
}
