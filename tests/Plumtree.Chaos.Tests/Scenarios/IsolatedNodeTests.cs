using System.Diagnostics;
using System.Text.Json;
using Plumtree.Chaos.Tests.Infrastructure;
using Plumtree.Testing;
using static Plumtree.Chaos.Tests.Infrastructure.ChaosCluster;

namespace Plumtree.Chaos.Tests.Scenarios;

/// <summary>
/// Runbook "Isolated node": a node whose link goes down shows the symptoms (both peer gauges 0, /health Unhealthy,
/// <c>plumtree health</c> exit 1, only itself alive in <c>plumtree members</c>); once the link is back the runbook's
/// <c>plumtree leave</c> then <c>plumtree join</c> brings it back, and so does the restart of step 4. Nothing is lost:
/// the messages broadcast on either side while it was cut off are delivered exactly once everywhere.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class IsolatedNodeTests(ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task An_isolated_node_shows_the_symptoms_and_comes_back_by_leave_and_join_then_by_a_restart()
    {
        await using var cluster = await ChaosCluster.CreateAsync(output);
        var nodes = await cluster.AddNodesAsync("iso", 3);
        var (n1, n2, n3) = (nodes[0], nodes[1], nodes[2]);
        await cluster.StartFormedAsync(nodes, [n1]);
        var all = await BroadcastAsync(n1, "before", 2);
        await cluster.WaitDeliveredAsync(nodes, all);

        // Isolate n3: its link goes down.
        var clock = Stopwatch.StartNew();
        await cluster.CutAsync(n3);
        var symptoms = await WaitIsolatedSymptomsAsync(n3, clock);
        var health = await cluster.CliAsync(n3, "health");
        Assert.True(health.ExitCode == 1, $"plumtree health on the isolated node: {health}");
        Assert.StartsWith("Unhealthy: peers: No Plumtree peers", health.Stdout, StringComparison.Ordinal);
        var peers = await cluster.CliOkAsync(n3, "peers", "--json");
        using (var json = JsonDocument.Parse(peers.Stdout))
        {
            Assert.Empty(json.RootElement.GetProperty("eager").EnumerateArray());
            Assert.Empty(json.RootElement.GetProperty("lazy").EnumerateArray());
        }

        await cluster.WaitFailedAsync([n1, n2], [n3]);
        var detected = clock.Elapsed;

        // Messages go on without it, both ways: the rest broadcast, and so does the isolated node (accepted, 202).
        var missed = await BroadcastAsync(n1, "while n3 is isolated", 2);
        missed.AddRange(await BroadcastAsync(n2, "while n3 is isolated", 1));
        var fromIsolated = await BroadcastAsync(n3, "from the isolated node", 1);
        await cluster.WaitDeliveredAsync([n1, n2], missed);
        await cluster.WaitDeliveredAsync([n3], fromIsolated);
        Assert.DoesNotContain(missed, cluster.Deliveries.Counts(n3.Name).ContainsKey);
        Assert.DoesNotContain(fromIsolated, cluster.Deliveries.Counts(n1.Name).ContainsKey);
        all.AddRange(missed);
        all.AddRange(fromIsolated);

        // Step 1: connectivity to the seeds (nc -zv seed 7946) fails, then works once the link is back (step "fix").
        Assert.False(await CanConnectAsync(n3, n1), "n3 reaches n1:7946 with its link down");
        await cluster.RestoreAsync(n3);
        var sinceFix = Stopwatch.StartNew();
        await Eventually.UntilAsync(() => CanConnectAsync(n3, n1), ok => ok, Bound, "nc -zv n1 7946 from n3", TestContext.Current.CancellationToken);

        // Step 2: only itself alive. Step 3: leave, join the seeds.
        var members = await cluster.CliOkAsync(n3, "members", "--json");
        using (var json = JsonDocument.Parse(members.Stdout))
        {
            var alive = json.RootElement.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("state").GetString() == "alive").Select(m => m.GetProperty("name").GetString());
            Assert.Equal([n3.Name], alive);
        }

        var leave = await cluster.CliOkAsync(n3, "leave");
        Assert.Contains("left the cluster", leave.Stdout, StringComparison.Ordinal);
        var join = await cluster.CliOkAsync(n3, "join", n1.Seed, n2.Seed);
        Assert.Contains("joined: 2 seed(s) contacted", join.Stdout, StringComparison.Ordinal);

        // Done when: health exits 0, eager peers, everything broadcast meanwhile delivered (by sync) both ways.
        await cluster.WaitHealthyAsync(n3);
        var healthy = sinceFix.Elapsed;
        Assert.True((await PeerGaugesAsync(n3)).Eager >= 1);
        var caughtUp = await cluster.WaitDeliveredAsync(nodes, all, sinceFix);
        var probe = await BroadcastAsync(n1, "probe after the rejoin", 1);
        await cluster.WaitDeliveredAsync(nodes, probe);
        all.AddRange(probe);
        cluster.Report($"isolated node, leave → join: symptoms {Seconds(symptoms)} after the cut (others declare it dead at {Seconds(detected)}); "
            + $"after the link is back: healthy {Seconds(healthy)}, the {missed.Count} missed and {fromIsolated.Count} isolated-side messages everywhere {Seconds(caughtUp.Values.Max())}; "
            + $"{n3.Name} plumtree_sync_messages_recovered_total {await n3.Agent.CounterAsync("plumtree_sync_messages_recovered_total")}");

        // Step 4: cut off again, messages broadcast meanwhile (their frames to n3 never get through), and the restart
        // (systemctl restart plumtree: SIGTERM, start; same data directory) once the link is back.
        await cluster.CutAsync(n3);
        var missedAgain = await BroadcastAsync(n2, "while n3 is cut off again", 3);
        await cluster.WaitDeliveredAsync([n1, n2], missedAgain);
        all.AddRange(missedAgain);
        await cluster.StopAsync(n3);
        Assert.DoesNotContain(missedAgain, cluster.Deliveries.Counts(n3.Name).ContainsKey);
        await cluster.RestoreAsync(n3);
        var sinceRestart = Stopwatch.StartNew();
        cluster.Start(n3, [n1, n2]);
        await cluster.WaitFormedAsync(nodes);
        await cluster.WaitHealthyAsync(n3);
        var restartHealthy = sinceRestart.Elapsed;
        var restartCaughtUp = await cluster.WaitDeliveredAsync(nodes, all, sinceRestart);
        Assert.Contains($"loaded {all.Count - missedAgain.Count} stored messages", n3.Agent.Process.Stdout, StringComparison.Ordinal);

        // Exactly once everywhere, across the leave/join and the restart: a few more sync rounds bring nothing twice.
        await WaitMoreSyncRoundsAsync(nodes, 2);
        var checkedDeliveries = cluster.AssertExactlyOnceEverywhere(nodes, all);
        cluster.Report($"isolated node, restart: healthy {Seconds(restartHealthy)} after the start, the {missedAgain.Count} missed messages delivered {Seconds(restartCaughtUp[n3.Name])}; "
            + $"{all.Count} messages broadcast, {checkedDeliveries} deliveries checked, 0 lost, 0 duplicated");
    }
}
