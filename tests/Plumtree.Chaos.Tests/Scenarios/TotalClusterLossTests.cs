using System.Diagnostics;
using Plumtree.Chaos.Tests.Infrastructure;
using Plumtree.Testing;
using static Plumtree.Chaos.Tests.Infrastructure.ChaosCluster;

namespace Plumtree.Chaos.Tests.Scenarios;

/// <summary>
/// Runbook "Total cluster loss": 4 nodes, 2 of them seeds (each seed's <c>Join</c> lists the other; the rest list
/// both). Every node is stopped, then the seeds are started first and the others one at a time, each start waiting
/// for the agent to be ready as <c>systemctl start</c> does (Type=notify) instead of the runbook's sleeps. First with
/// the data directories kept (only the processes failed): messages acknowledged (202) just before the stop, not yet
/// spread, reach every node after the restart, each delivered once. Then with the state cleared
/// (<c>rm -rf DATA/*</c>): the cluster forms from the seeds alone, nothing from before is delivered again, and new
/// messages flow. <c>Plumtree:JoinReadyTimeout</c> is 5 s here (30 s by default): the first seed waits that long for
/// the second, which is still down, before it reports ready.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class TotalClusterLossTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task After_a_total_loss_seeds_first_then_staggered_starts_form_the_cluster_and_nothing_acknowledged_is_lost()
    {
        await using var cluster = await ChaosCluster.CreateAsync(output);
        cluster.Environment["PLUMTREE_JOIN_READY_TIMEOUT"] = "00:00:02";
        var nodes = await cluster.AddNodesAsync("t", 4);
        IReadOnlyList<ChaosNode> seeds = [nodes[0], nodes[1]];
        await cluster.StartFormedAsync(nodes, seeds);
        var all = await BroadcastAsync(nodes[2], "long before the loss", 2);
        await cluster.WaitDeliveredAsync(nodes, all);

        // Acknowledged (202) by a node whose link just went down, so they never left it; then every node is stopped.
        var lastWriter = nodes[3];
        await cluster.CutAsync(lastWriter);
        var acknowledged = await BroadcastAsync(lastWriter, "acknowledged just before the loss", 3);
        all.AddRange(acknowledged);
        await cluster.WaitDeliveredAsync([lastWriter], acknowledged);
        await Task.WhenAll(nodes.Select(cluster.StopAsync));
        var spreadBeforeStop = nodes.Count(n => cluster.Deliveries.Counts(n.Name).Keys.Intersect(acknowledged).Any());
        Assert.Equal(1, spreadBeforeStop);
        await cluster.RestoreAsync(lastWriter);

        // Storage kept: seeds first, then the others staggered.
        var (kept, keptReady) = await RestartAsync(cluster, nodes, seeds);
        var keptDelivered = await cluster.WaitDeliveredAsync(nodes, all, kept);
        await WaitMoreSyncRoundsAsync(nodes, 2);
        var checkedKept = cluster.AssertExactlyOnceEverywhere(nodes, all);
        cluster.Report($"total cluster loss, storage kept: {acknowledged.Count} messages acknowledged by {lastWriter.Name} with its link down just before the stop (held by {spreadBeforeStop} of 4 nodes); "
            + $"restart seeds first, then staggered: every node ready {Seconds(keptReady)}, formed {Seconds(kept.Elapsed)} → every node has every message {Seconds(keptDelivered.Values.Max())} after the first start; "
            + $"{all.Count} messages, {checkedKept} deliveries checked, 0 lost, 0 duplicated");

        // State cleared: stop all, rm -rf DATA/*, seeds first, then the others.
        TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        await Task.WhenAll(nodes.Select(cluster.StopAsync));
        foreach (var node in nodes)
        {
            foreach (var entry in new DirectoryInfo(cluster.DataDir(node)).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }

        var (cleared, clearedReady) = await RestartAsync(cluster, nodes, seeds);
        var formedCleared = cleared.Elapsed;

        // Step 5: verify the formation as the runbook does.
        var metrics = await nodes[0].Agent.MetricsAsync();
        var totalPeers = Agent.Tests.Support.MetricsText.Sum(metrics, "plumtree_total_peers", [$"node={nodes[0].Name}"]);
        Assert.True(totalPeers >= 1, $"plumtree_total_peers on {nodes[0].Name}: {totalPeers}");
        var members = await cluster.CliOkAsync(nodes[0], "members");
        Assert.All(nodes, n => Assert.Contains(n.Name, members.Stdout, StringComparison.Ordinal));
        await cluster.WaitHealthyAsync(nodes[0]);
        foreach (var node in nodes)
        {
            Assert.Equal(0, (await node.Agent.GetAsync("debug/sync")).GetProperty("messages").GetInt64());
        }

        var fresh = await BroadcastAsync(nodes[1], "after the fresh start", 2);
        var freshDelivered = await cluster.WaitDeliveredAsync(nodes, fresh);
        await WaitMoreSyncRoundsAsync(nodes, 2);
        var checkedCleared = 0;
        foreach (var node in nodes)
        {
            // The cleared stores hold nothing from before: nothing is recovered or delivered a second time.
            cluster.AssertExactlyOnce(node, [.. all, .. fresh]);
            checkedCleared += all.Count + fresh.Count;
        }

        cluster.Report($"total cluster loss, state cleared: every node ready {Seconds(clearedReady)}, formed {Seconds(formedCleared)} after the first start; "
            + $"plumtree_total_peers on {nodes[0].Name} {totalPeers}; new messages everywhere in {Seconds(freshDelivered.Values.Max())}; nothing from before delivered again ({checkedCleared} deliveries checked)");
    }

    /// <summary>
    /// Starts the seeds, then the other nodes, one at a time, each once the previous one is ready (its admin API
    /// listens: the agent reports ready to systemd at the same point); returns a clock started at the first start and
    /// the time the last one was ready, after waiting until every node sees every other alive.
    /// </summary>
    private static async Task<(Stopwatch Clock, TimeSpan Ready)> RestartAsync(ChaosCluster cluster, IReadOnlyList<ChaosNode> nodes, IReadOnlyList<ChaosNode> seeds)
    {
        var clock = Stopwatch.StartNew();
        foreach (var node in seeds.Concat(nodes.Except(seeds)))
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            var agent = cluster.Start(node, seeds);
            await Eventually.UntilAsync(
                () => agent.Process.HasExited || agent.Process.Stdout.Contains("HTTP admin listening on", StringComparison.Ordinal),
                Bound,
                $"{node.Name} ready",
                TestContext.Current.CancellationToken);
            Assert.False(agent.Process.HasExited, $"{node.Name} exited: {agent.Process}");
        }

        var ready = clock.Elapsed;
        await cluster.WaitFormedAsync(nodes);
        return (clock, ready);
    }
}
