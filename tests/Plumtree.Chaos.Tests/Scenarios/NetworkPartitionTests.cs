using System.Diagnostics;
using Plumtree.Chaos.Tests.Infrastructure;
using Plumtree.Testing;
using static Plumtree.Chaos.Tests.Infrastructure.ChaosCluster;

namespace Plumtree.Chaos.Tests.Scenarios;

/// <summary>
/// Runbook "Network partition": 6 nodes split 3 | 3 by moving three bridge ports to another bridge. Each side's
/// <c>/debug/peers</c> shows only its own side, messages reach only their side, then the network is fixed and nothing
/// else is done (step 4, "wait for automatic recovery"): membership, the overlay and the messages converge, and
/// <c>plumtree_messages_partitioned_total</c> counts what was cut off. Step 5's <c>plumtree rebalance</c> on every node
/// then leaves a working tree. The heal is timed against the guide's "allow 2–5 minutes" (goal: 30 s).
/// </summary>
[Trait("Category", "Chaos")]
public sealed class NetworkPartitionTests(ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task A_partition_shows_different_peer_lists_and_heals_by_itself_with_every_message_delivered_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await ChaosCluster.CreateAsync(output);
        var nodes = await cluster.AddNodesAsync("part", 6);
        IReadOnlyList<ChaosNode> west = [nodes[0], nodes[1], nodes[2]];
        IReadOnlyList<ChaosNode> east = [nodes[3], nodes[4], nodes[5]];
        await cluster.StartFormedAsync(nodes, [west[0], east[0]]);
        var all = await BroadcastAsync(west[0], "before the partition", 1);
        await cluster.WaitDeliveredAsync(nodes, all);

        // The switch between the two halves fails.
        var clock = Stopwatch.StartNew();
        await cluster.PartitionAsync(east);

        // Step 1, identify the partition: every node's /debug/peers names only its own side (peers and alive members).
        foreach (var (side, other) in new[] { (west, east), (east, west) })
        {
            var own = side.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
            await Task.WhenAll(side.Select(node => Eventually.UntilAsync(
                () => DebugPeersAsync(node),
                p => p.Alive.All(own.Contains) && p.Eager.Concat(p.Lazy).All(own.Contains) && p.Eager.Count + p.Lazy.Count > 0,
                Bound,
                $"{node.Name}'s /debug/peers lists only {string.Join(", ", own)}",
                ct)));
        }

        var identified = clock.Elapsed;

        // Messages are delivered to a subset of the cluster: each side gets only its own.
        var fromWest = await BroadcastAsync(west[1], "west during the partition", 2);
        var fromEast = await BroadcastAsync(east[1], "east during the partition", 2);
        await cluster.WaitDeliveredAsync(west, fromWest);
        await cluster.WaitDeliveredAsync(east, fromEast);
        foreach (var node in west)
        {
            Assert.DoesNotContain(fromEast, cluster.Deliveries.Counts(node.Name).ContainsKey);
        }

        foreach (var node in east)
        {
            Assert.DoesNotContain(fromWest, cluster.Deliveries.Counts(node.Name).ContainsKey);
        }

        all.AddRange(fromWest);
        all.AddRange(fromEast);
        var partitionedDuring = await SumAsync(nodes, "plumtree_messages_partitioned_total");

        // Step 3, fix the network; step 4, wait: membership, the overlay (a connected peer graph across both halves)
        // and the messages converge by themselves.
        await cluster.HealAsync();
        var sinceHeal = Stopwatch.StartNew();
        await cluster.WaitFormedAsync(nodes);
        var membersBack = sinceHeal.Elapsed;
        await Eventually.UntilAsync(() => OverlayAsync(nodes), o => o.Connected && o.EveryoneEager, Bound, "one connected overlay with an eager peer on every node", ct);
        var overlayBack = sinceHeal.Elapsed;
        var delivered = await cluster.WaitDeliveredAsync(nodes, all, sinceHeal);
        var messagesBack = delivered.Values.Max();

        // plumtree_messages_partitioned_total counts what each side missed (it rises as sync recovers the other side's messages).
        var partitionedBySide = new List<double>();
        foreach (var side in new[] { west, east })
        {
            var sum = await Eventually.UntilAsync(() => SumAsync(side, "plumtree_messages_partitioned_total"), n => n >= 2, Bound, $"{string.Join(", ", side.Select(n => n.Name))} count the 2 messages of the other side in plumtree_messages_partitioned_total", ct);
            partitionedBySide.Add(sum);
        }

        // The sync table shows rounds with the other side's nodes that ended ok.
        var sync = await cluster.CliOkAsync(west[0], "sync");
        Assert.Contains(east[0].Name, sync.Stdout, StringComparison.Ordinal);

        // Step 5, rebalance every node: each answers with its new peer sets, and a probe then reaches everyone.
        var rebalance = new List<string>();
        foreach (var (node, result) in nodes.Zip(await Task.WhenAll(nodes.Select(node => cluster.CliOkAsync(node, "rebalance")))))
        {
            Assert.Contains("peers rebalanced: eager [", result.Stdout, StringComparison.Ordinal);
            rebalance.Add($"{node.Name}: {result.Stdout.Trim()}");
        }

        var probe = await BroadcastAsync(east[2], "probe after the rebalance", 1);
        await cluster.WaitDeliveredAsync(nodes, probe);
        all.AddRange(probe);

        await WaitMoreSyncRoundsAsync(nodes, 2);
        var checkedDeliveries = cluster.AssertExactlyOnceEverywhere(nodes, all);
        cluster.Report($"network partition 3 | 3: identified (each side's /debug/peers only its own) {Seconds(identified)} after the split; "
            + $"after the heal: all members alive {Seconds(membersBack)}, overlay connected {Seconds(overlayBack)}, the {fromWest.Count + fromEast.Count} messages of the split everywhere {Seconds(messagesBack)} (goal 30 s, guide: 2–5 min)");
        cluster.Report($"  plumtree_messages_partitioned_total: {partitionedDuring} during the split, west {partitionedBySide[0]} / east {partitionedBySide[1]} after the heal; "
            + $"plumtree_sync_messages_recovered_total {await SumAsync(nodes, "plumtree_sync_messages_recovered_total")}; {all.Count} messages, {checkedDeliveries} deliveries checked, 0 lost, 0 duplicated");
        cluster.Report("  rebalance: " + string.Join("; ", rebalance));
    }

    private static async Task<double> SumAsync(IEnumerable<ChaosNode> nodes, string metric)
    {
        var sum = 0.0;
        foreach (var node in nodes)
        {
            sum += await node.Agent.CounterAsync(metric);
        }

        return sum;
    }

    /// <summary>Whether the eager and lazy links of every node form one connected graph, and every node has an eager peer.</summary>
    private static async Task<(bool Connected, bool EveryoneEager)> OverlayAsync(IReadOnlyList<ChaosNode> nodes)
    {
        var links = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var everyoneEager = true;
        foreach (var node in nodes)
        {
            var (eager, lazy, _) = await DebugPeersAsync(node);
            everyoneEager &= eager.Count > 0;
            foreach (var peer in eager.Concat(lazy))
            {
                (links.TryGetValue(node.Name, out var a) ? a : links[node.Name] = []).Add(peer);
                (links.TryGetValue(peer, out var b) ? b : links[peer] = []).Add(node.Name);
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { nodes[0].Name };
        var queue = new Queue<string>([nodes[0].Name]);
        while (queue.TryDequeue(out var current))
        {
            foreach (var next in links.GetValueOrDefault(current) ?? [])
            {
                if (seen.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return (nodes.All(n => seen.Contains(n.Name)), everyoneEager);
    }
}
