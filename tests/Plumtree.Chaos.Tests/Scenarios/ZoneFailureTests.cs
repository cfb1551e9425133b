using System.Diagnostics;
using Plumtree.Chaos.Tests.Infrastructure;
using Plumtree.Testing;
using static Plumtree.Chaos.Tests.Infrastructure.ChaosCluster;

namespace Plumtree.Chaos.Tests.Scenarios;

/// <summary>
/// Runbook "Multiple node failure": 3 zones × 3 nodes (<c>--zone</c>, one seed per zone). Zone c fails at once (links
/// down, agents SIGKILLed): the survivors keep delivering every message, <c>plumtree_total_peers</c> drops, the
/// failed nodes leave every peer set, <c>plumtree_graft_failed_total</c> stops rising and every survivor keeps an eager
/// peer (a majority survives: it heals itself). Then zone b fails too (a minority survives) and the runbook's
/// coordinated restart follows: every node stopped, then every node started; the cluster forms again and every
/// message reaches every node exactly once (the failed nodes fetch what they missed by sync, from their kept stores).
/// </summary>
[Trait("Category", "Chaos")]
public sealed class ZoneFailureTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task Survivors_of_a_zone_failure_keep_delivering_and_a_coordinated_restart_after_a_minority_survives_loses_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await ChaosCluster.CreateAsync(output);
        var zoneA = await cluster.AddNodesAsync("a", 3, "a");
        var zoneB = await cluster.AddNodesAsync("b", 3, "b");
        var zoneC = await cluster.AddNodesAsync("c", 3, "c");
        List<ChaosNode> nodes = [.. zoneA, .. zoneB, .. zoneC];
        List<ChaosNode> seeds = [zoneA[0], zoneB[0], zoneC[0]];
        var clock = Stopwatch.StartNew();
        await cluster.StartFormedAsync(nodes, seeds);
        var formed = clock.Elapsed;
        var all = await BroadcastAsync(zoneB[1], "before the zone failure", 1);
        await cluster.WaitDeliveredAsync(nodes, all);

        List<ChaosNode> survivors = [.. zoneA, .. zoneB];
        var peersBefore = await GaugeSumAsync(survivors, "plumtree_total_peers");
        var graftFailedBefore = await CounterSumAsync(survivors, "plumtree_graft_failed_total");

        // Zone c fails at once; the survivors broadcast right away, before anyone noticed.
        await FailAsync(cluster, zoneC);
        var sinceFailure = Stopwatch.StartNew();
        List<string> duringDetection = [.. await BroadcastAsync(zoneA[0], "right after zone c failed", 1), .. await BroadcastAsync(zoneB[0], "right after zone c failed", 1), .. await BroadcastAsync(zoneA[1], "right after zone c failed", 1)];
        var firstDelivery = await cluster.WaitDeliveredAsync(survivors, duringDetection, sinceFailure);
        all.AddRange(duringDetection);

        // The symptoms, then the self-heal of a majority: c out of every peer set, total peers down, eager peers everywhere.
        await cluster.WaitFailedAsync(survivors, zoneC);
        var cNames = zoneC.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        await Task.WhenAll(survivors.Select(node => Eventually.UntilAsync(
            () => DebugPeersAsync(node),
            p => !p.Eager.Concat(p.Lazy).Any(cNames.Contains) && p.Eager.Count > 0,
            Bound,
            $"{node.Name} has no zone-c peer and an eager peer",
            ct)));
        var settled = sinceFailure.Elapsed;
        var peersAfter = await GaugeSumAsync(survivors, "plumtree_total_peers");
        Assert.True(peersAfter < peersBefore, $"plumtree_total_peers over the survivors: {peersBefore} before zone c failed, {peersAfter} after");
        var minEager = (await Task.WhenAll(survivors.Select(node => node.Agent.GaugeAsync("plumtree_eager_peers")))).Min();
        await Task.WhenAll(survivors.Select(node => cluster.CliOkAsync(node, "health"))); // Healthy or Degraded (exit 0), never Unhealthy

        Assert.True(minEager >= 1, "min(plumtree_eager_peers) over the survivors is 0");
        var graftFailedSettled = await CounterSumAsync(survivors, "plumtree_graft_failed_total");
        var afterSettle = await BroadcastAsync(zoneB[2], "after the survivors settled", 2);
        var settledDelivery = await cluster.WaitDeliveredAsync(survivors, afterSettle);
        all.AddRange(afterSettle);
        await WaitMoreSyncRoundsAsync(survivors, 1);
        var graftFailedLater = await CounterSumAsync(survivors, "plumtree_graft_failed_total");
        Assert.True(graftFailedLater == graftFailedSettled, $"plumtree_graft_failed_total kept rising after the survivors settled: {graftFailedSettled} then {graftFailedLater}");

        // Zone b fails too: a minority (zone a) survives, and still delivers what it broadcasts.
        await FailAsync(cluster, zoneB);
        var sinceMinority = Stopwatch.StartNew();
        var minority = await BroadcastAsync(zoneA[2], "only zone a left", 2);
        var minorityDelivery = await cluster.WaitDeliveredAsync(zoneA, minority, sinceMinority);
        all.AddRange(minority);

        // The coordinated restart: stop every node, then start every node (data directories kept).
        await Task.WhenAll(zoneA.Select(cluster.StopAsync));
        foreach (var node in zoneB.Concat(zoneC))
        {
            await cluster.RestoreAsync(node);
        }

        var sinceRestart = Stopwatch.StartNew();
        foreach (var node in nodes)
        {
            cluster.Start(node, seeds);
        }

        await cluster.WaitFormedAsync(nodes);
        var reformed = sinceRestart.Elapsed;
        var caughtUp = await cluster.WaitDeliveredAsync(nodes, all, sinceRestart);
        await WaitMoreSyncRoundsAsync(nodes, 2);
        var checkedDeliveries = cluster.AssertExactlyOnceEverywhere(nodes, all);

        cluster.Report($"zone failure, 3 zones × 3 nodes (formed in {Seconds(formed)}): zone c down → the 3 messages broadcast at once reached all 6 survivors in {Seconds(firstDelivery.Values.Max())}; "
            + $"survivors settled (no zone-c peer, an eager peer each) {Seconds(settled)}; plumtree_total_peers over the survivors {peersBefore} → {peersAfter}; min(plumtree_eager_peers) {minEager}; "
            + $"plumtree_graft_failed_total {graftFailedBefore} → {graftFailedSettled} at settle → {graftFailedLater} later; messages after settling delivered in {Seconds(settledDelivery.Values.Max())}");
        cluster.Report($"  zone b down too (minority): zone a delivers its messages in {Seconds(minorityDelivery.Values.Max())}; coordinated restart of all 9: formed {Seconds(reformed)}, "
            + $"every node has every message {Seconds(caughtUp.Values.Max())}; {all.Count} messages, {checkedDeliveries} deliveries checked, 0 lost, 0 duplicated");
    }

    /// <summary>A zone goes dark: its links go down and its agents die (SIGKILL), all at once.</summary>
    private static async Task FailAsync(ChaosCluster cluster, IReadOnlyList<ChaosNode> zone)
    {
        foreach (var node in zone)
        {
            await cluster.CutAsync(node);
        }

        await Task.WhenAll(zone.Select(cluster.KillAsync));
    }

    private static async Task<double> GaugeSumAsync(IEnumerable<ChaosNode> nodes, string metric)
    {
        var sum = 0.0;
        foreach (var node in nodes)
        {
            sum += await node.Agent.GaugeAsync(metric);
        }

        return sum;
    }

    private static async Task<double> CounterSumAsync(IEnumerable<ChaosNode> nodes, string metric)
    {
        var sum = 0.0;
        foreach (var node in nodes)
        {
            sum += await node.Agent.CounterAsync(metric);
        }

        return sum;
    }
}
