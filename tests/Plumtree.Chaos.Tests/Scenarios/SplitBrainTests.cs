using System.Diagnostics;
using System.Text.Json;
using Plumtree.Chaos.Tests.Infrastructure;
using Plumtree.Testing;
using static Plumtree.Chaos.Tests.Infrastructure.ChaosCluster;

namespace Plumtree.Chaos.Tests.Scenarios;

/// <summary>
/// Runbook "Split brain with data divergence": 4 nodes split 2 | 2, each side broadcasts its own messages (A, B and
/// C, D), the network heals, and anti-entropy reconciles: <c>plumtree sync</c> shows sync enabled everywhere and
/// then ok rounds with nothing needed, <c>plumtree sync now --peer</c> starts a round at once on a node of each side,
/// the <c>plumtree_sync_*</c> series move, and <c>GET /v1/messages</c> shows the same ids on both former sides,
/// each delivered once on each node.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class SplitBrainTests(ITestOutputHelper output)
{
    private static readonly string[] FailureReasons = ["timeout", "peer_lost", "malformed", "refused", "round_trips"];

    [Fact(Timeout = 240_000)]
    public async Task After_a_split_brain_heals_sync_reconciles_both_sides_and_every_message_is_delivered_once_everywhere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await ChaosCluster.CreateAsync(output);
        var nodes = await cluster.AddNodesAsync("split", 4);
        IReadOnlyList<ChaosNode> left = [nodes[0], nodes[1]];
        IReadOnlyList<ChaosNode> right = [nodes[2], nodes[3]];
        await cluster.StartFormedAsync(nodes, [left[0], right[0]]);

        // Step 1: sync is on everywhere.
        foreach (var (node, result) in nodes.Zip(await Task.WhenAll(nodes.Select(node => cluster.CliOkAsync(node, "sync", "--json")))))
        {
            using var json = JsonDocument.Parse(result.Stdout);
            Assert.True(json.RootElement.GetProperty("enabled").GetBoolean(), $"sync disabled on {node.Name}");
        }

        var before = await SyncSeriesAsync(nodes);

        // The split, and different messages on each side.
        await cluster.PartitionAsync(right);
        await Task.WhenAll(cluster.WaitFailedAsync(left, right), cluster.WaitFailedAsync(right, left));
        List<string> ab = [.. await BroadcastAsync(left[0], "A", 1), .. await BroadcastAsync(left[1], "B", 1)];
        List<string> cd = [.. await BroadcastAsync(right[0], "C", 1), .. await BroadcastAsync(right[1], "D", 1)];
        await cluster.WaitDeliveredAsync(left, ab);
        await cluster.WaitDeliveredAsync(right, cd);
        Assert.Empty((await MessageIdsAsync(left[0])).Intersect(cd));
        Assert.Empty((await MessageIdsAsync(right[0])).Intersect(ab));
        List<string> all = [.. ab, .. cd];

        // Heal; step 2: start a round at once on a node of each side (as soon as the other side is alive to it), and wait.
        await cluster.HealAsync();
        var sinceHeal = Stopwatch.StartNew();
        await cluster.WaitFormedAsync(nodes);
        var membersBack = sinceHeal.Elapsed;
        var syncNow = new List<string>
        {
            await SyncNowAsync(cluster, left[0], right[0]),
            await SyncNowAsync(cluster, right[0], left[0]),
        };
        var delivered = await cluster.WaitDeliveredAsync(nodes, all, sinceHeal);
        var reconciled = delivered.Values.Max();

        // Done: both former sides list the same ids; the sync table shows ok rounds with the other side needing nothing.
        foreach (var node in nodes)
        {
            var ids = await MessageIdsAsync(node);
            Assert.True(all.All(ids.Contains), $"{node.Name}'s /v1/messages lacks some of {string.Join(", ", all)}: {string.Join(", ", ids)}");
        }

        foreach (var (node, other) in new[] { (left[0], right[0]), (right[0], left[0]) })
        {
            await Eventually.UntilAsync(
                () => node.Agent.GetAsync("debug/sync"),
                s => s.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("name").GetString() == other.Name && p.GetProperty("last_result").GetString() == "ok" && p.GetProperty("last_need").GetInt32() == 0),
                Bound,
                $"{node.Name}'s plumtree sync shows an ok round with {other.Name} needing nothing",
                ct);
        }

        var table = await cluster.CliOkAsync(left[0], "sync");
        Assert.Contains(right[0].Name, table.Stdout, StringComparison.Ordinal);

        // The plumtree_sync_* series moved: rounds everywhere, bytes both ways, and each side recovered the other side's 2.
        await WaitMoreSyncRoundsAsync(nodes, 2);
        var after = await SyncSeriesAsync(nodes);
        foreach (var node in nodes)
        {
            Assert.True(after[node.Name].Rounds > before[node.Name].Rounds, $"{node.Name}: plumtree_sync_rounds_total did not rise");
            Assert.True(after[node.Name].BytesIn + after[node.Name].BytesOut > before[node.Name].BytesIn + before[node.Name].BytesOut, $"{node.Name}: plumtree_sync_bytes_total did not rise");
        }

        foreach (var side in new[] { left, right })
        {
            var recovered = side.Sum(n => after[n.Name].Recovered - before[n.Name].Recovered);
            Assert.True(recovered >= 2, $"{string.Join(", ", side.Select(n => n.Name))} recovered {recovered} messages by sync, the other side had 2");
        }

        var checkedDeliveries = cluster.AssertExactlyOnceEverywhere(nodes, all);
        cluster.Report($"split brain 2 | 2 with A, B | C, D: after the heal, members alive {Seconds(membersBack)}, every node has all 4 {Seconds(reconciled)}; {checkedDeliveries} deliveries checked, 0 lost, 0 duplicated");
        foreach (var node in nodes)
        {
            var (b, a) = (before[node.Name], after[node.Name]);
            cluster.Report($"  {node.Name}: plumtree_sync_rounds_total +{a.Rounds - b.Rounds}, plumtree_sync_messages_recovered_total +{a.Recovered - b.Recovered}, "
                + $"plumtree_sync_bytes_total sent +{a.BytesOut - b.BytesOut} received +{a.BytesIn - b.BytesIn}, plumtree_sync_failures_total +{a.Failures - b.Failures} ({a.FailureDetail})");
        }

        cluster.Report("  " + string.Join("; ", syncNow));
    }

    /// <summary><c>plumtree sync now --peer PEER</c> on <paramref name="node"/>, run again (bounded) while a round with another peer is in progress (exit 1, "is in progress").</summary>
    private static async Task<string> SyncNowAsync(ChaosCluster cluster, ChaosNode node, ChaosNode peer)
    {
        var busy = 0;
        var result = await Eventually.UntilAsync(
            async () =>
            {
                var run = await cluster.CliAsync(node, "sync", "now", "--peer", peer.Name);
                if (run.ExitCode != 0 && run.Stderr.Contains("is in progress", StringComparison.Ordinal))
                {
                    busy++;
                    return null;
                }

                return run;
            },
            run => run is not null,
            Bound,
            $"{node.Name} starts a round with {peer.Name}",
            TestContext.Current.CancellationToken);
        Assert.True(result!.ExitCode == 0, $"plumtree sync now --peer {peer.Name} on {node.Name}: {result}");
        Assert.Contains($"anti-entropy round started with {peer.Name}", result.Stdout, StringComparison.Ordinal);
        return $"sync now --peer {peer.Name} on {node.Name}: {result.Stdout.Trim()}{(busy > 0 ? $" (after {busy} 'in progress' answers)" : string.Empty)}";
    }

    private static async Task<HashSet<string>> MessageIdsAsync(ChaosNode node) =>
        (await node.Agent.MessagesAsync()).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);

    private static async Task<Dictionary<string, SyncSeries>> SyncSeriesAsync(IEnumerable<ChaosNode> nodes)
    {
        var series = new Dictionary<string, SyncSeries>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var text = await node.Agent.MetricsAsync();
            double Sum(string metric, params string[] labels) => Agent.Tests.Support.MetricsText.Sum(text, metric, [$"node={node.Name}", .. labels]);
            series[node.Name] = new SyncSeries(
                Sum("plumtree_sync_rounds_total"),
                Sum("plumtree_sync_messages_recovered_total"),
                Sum("plumtree_sync_bytes_total", "direction=received"),
                Sum("plumtree_sync_bytes_total", "direction=sent"),
                Sum("plumtree_sync_failures_total"),
                string.Join(", ", FailureReasons.Select(r => $"{r} {Sum("plumtree_sync_failures_total", $"reason={r}")}")));
        }

        return series;
    }

    private sealed record SyncSeries(double Rounds, double Recovered, double BytesIn, double BytesOut, double Failures, string FailureDetail);
}
