using System.Diagnostics;
using System.Text.Json;
using Plumtree.Chaos.Tests.Infrastructure;
using Plumtree.Testing;
using static Plumtree.Chaos.Tests.Infrastructure.ChaosCluster;

namespace Plumtree.Chaos.Tests.Scenarios;

/// <summary>
/// Runbook "Message cache corruption" on 3 nodes: rows of a running node's store damaged behind its back
/// (<c>plumtree cache verify</c> finds, removes and rewrites them, and finds none the second time), <c>plumtree cache
/// clear</c>, a poison message that makes one node's handler fail (counted and logged; the next message is handled),
/// and the two store resets of steps 4 and 5 done on two stopped nodes: a <c>messages.db</c> SQLite cannot open
/// (moved aside at start) and <c>rm -rf DATA/cache/*</c>. Nothing is lost: the messages broadcast while they were
/// stopped arrive exactly once; those their destroyed stores held arrive again (at least once, as the runbook says).
/// </summary>
[Trait("Category", "Chaos")]
public sealed class CacheCorruptionTests(ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task Corrupt_rows_a_poison_message_and_a_damaged_or_emptied_store_are_recovered_by_the_runbook_steps()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await ChaosCluster.CreateAsync(output);
        var nodes = await cluster.AddNodesAsync("cache", 3);
        var (source, poisoned, other) = (nodes[0], nodes[1], nodes[2]);
        var poisonHandler = cluster.Deliveries.Handler(poisoned.Name) + "; if grep -q POISON; then echo 'cannot parse the payload' >&2; exit 3; fi";
        cluster.Start(source, [source]);
        cluster.Start(poisoned, [source], handler: poisonHandler);
        cluster.Start(other, [source]);
        await cluster.WaitFormedAsync(nodes);
        var all = await BroadcastAsync(source, "stored", 4);
        await cluster.WaitDeliveredAsync(nodes, all);
        await Eventually.UntilAsync(() => poisoned.Agent.GetAsync("debug/sync"), s => s.GetProperty("messages").GetInt64() == all.Count, Bound, $"{poisoned.Name} stored {all.Count} messages", ct);

        // Rows damaged under the running node; step 2: cache verify removes and rewrites them, then finds none.
        var corrupted = Agent.Tests.Support.MessageStoreFile.CorruptRows(Path.Combine(cluster.DataDir(poisoned), "cache", "messages.db"), 2);
        var verify = await cluster.CliOkAsync(poisoned, "cache", "verify");
        Assert.Contains("2 corrupt row(s) removed", verify.Stdout, StringComparison.Ordinal);
        var again = await cluster.CliOkAsync(poisoned, "cache", "verify", "--json");
        using (var json = JsonDocument.Parse(again.Stdout))
        {
            Assert.Equal(all.Count, json.RootElement.GetProperty("rows").GetInt32());
            Assert.Equal(all.Count, json.RootElement.GetProperty("intact").GetInt32());
            Assert.Equal(0, json.RootElement.GetProperty("corrupt_removed").GetInt32());
        }

        var corruptCounted = await poisoned.Agent.CounterAsync("plumtree_storage_errors_total", "store=messages", "kind=corrupt");
        Assert.True(corruptCounted >= 2, $"plumtree_storage_errors_total{{store=\"messages\",kind=\"corrupt\"}} {corruptCounted}");

        // Step 3: cache clear; the cache is empty, and nothing is delivered twice.
        var clear = await cluster.CliOkAsync(poisoned, "cache", "clear");
        Assert.Matches(@"message cache cleared \(\d+ entries removed\)", clear.Stdout);
        using (var json = JsonDocument.Parse((await cluster.CliOkAsync(poisoned, "state", "--json")).Stdout))
        {
            Assert.Equal(0, json.RootElement.GetProperty("cache_size").GetInt32());
        }

        // A poison message: the handler of one node fails on it (counted, logged), and the next message is handled.
        var poison = await source.Agent.BroadcastAsync("POISON: a payload the application cannot parse");
        var next = await BroadcastAsync(source, "after the poison", 1);
        all.Add(poison);
        all.AddRange(next);
        await cluster.WaitDeliveredAsync(nodes, [poison, .. next]);
        var failed = await Eventually.UntilAsync(
            () => HandlerRunsAsync(poisoned, "failed"),
            n => n >= 1,
            Bound,
            $"{poisoned.Name} counts the failed handler run",
            ct);
        await Eventually.UntilAsync(() => poisoned.Agent.Process.Stdout.Contains($"Handler for {poison} exited with code 3: cannot parse the payload", StringComparison.Ordinal), Bound, $"{poisoned.Name} logs the handler failure", ct);
        Assert.Equal(0, await HandlerRunsAsync(source, "failed"));
        await WaitMoreSyncRoundsAsync(nodes, 1);
        cluster.AssertExactlyOnceEverywhere(nodes, all);

        // Steps 4 and 5 on two stopped nodes: one store file damaged, one emptied (rm -rf DATA/cache/*); messages meanwhile.
        await Task.WhenAll(cluster.StopAsync(poisoned), cluster.StopAsync(other));
        var beforeReset = all.ToList();
        var otherStore = Path.Combine(cluster.DataDir(other), "cache", "messages.db");
        File.WriteAllBytes(otherStore, Enumerable.Repeat((byte)0x5A, 8192).ToArray());
        foreach (var entry in new DirectoryInfo(Path.Combine(cluster.DataDir(poisoned), "cache")).EnumerateFileSystemInfos())
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

        var whileStopped = await BroadcastAsync(source, "while the stores were reset", 2);
        all.AddRange(whileStopped);
        var sinceStart = Stopwatch.StartNew();
        cluster.Start(poisoned, [source], handler: poisonHandler);
        cluster.Start(other, [source]);
        await cluster.WaitFormedAsync(nodes);
        var missedDelivered = await cluster.WaitDeliveredAsync(nodes, whileStopped, sinceStart);
        await Task.WhenAll(new[] { poisoned, other }.Select(node => Eventually.UntilAsync(
            () => node.Agent.GetAsync("debug/sync"),
            s => s.GetProperty("messages").GetInt64() == all.Count,
            Bound,
            $"{node.Name}'s store refilled to {all.Count} messages",
            ct)));
        var refilled = sinceStart.Elapsed;
        Assert.Contains("was damaged: moved aside to", other.Agent.Process.Stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(cluster.DataDir(other), "cache"), "messages.db.corrupt-*"));
        var openErrors = await other.Agent.CounterAsync("plumtree_storage_errors_total", "store=messages", "kind=open");
        Assert.True(openErrors >= 1, $"{other.Name}: plumtree_storage_errors_total{{store=\"messages\",kind=\"open\"}} {openErrors}");
        var syncTable = await cluster.CliOkAsync(poisoned, "sync");

        // Nothing lost; exactly once on the source and for what the reset nodes missed; at least once for what their stores held.
        await WaitMoreSyncRoundsAsync(nodes, 2);
        cluster.AssertExactlyOnce(source, all);
        var redelivered = new List<string>();
        foreach (var node in new[] { poisoned, other })
        {
            cluster.AssertExactlyOnce(node, whileStopped, others: beforeReset);
            var counts = cluster.Deliveries.Counts(node.Name);
            Assert.All(beforeReset, id => Assert.True(counts.GetValueOrDefault(id) >= 1, $"{node.Name} never delivered {id}"));
            redelivered.Add($"{node.Name} {beforeReset.Count(id => counts[id] > 1)} of {beforeReset.Count} delivered again");
        }

        cluster.Report($"cache corruption: 2 rows damaged under a running node → cache verify removed and rewrote {corrupted.Count}, plumtree_storage_errors_total{{kind=\"corrupt\"}} {corruptCounted}; "
            + $"cache clear → cache_size 0; poison message → plumtree_agent_handler_runs_total{{result=\"failed\"}} {failed} on {poisoned.Name}, the next message handled");
        cluster.Report($"  store reset while stopped (damaged messages.db on {other.Name}, rm -rf cache/* on {poisoned.Name}): the {whileStopped.Count} messages broadcast meanwhile delivered {Seconds(missedDelivered.Values.Max())} after the start, "
            + $"stores refilled to {all.Count} messages {Seconds(refilled)}; {string.Join(", ", redelivered)} (at least once, as the runbook says); {all.Count} messages, 0 lost");
        cluster.Report($"  plumtree sync on {poisoned.Name} after the refill:\n{syncTable.Stdout}");
    }

    /// <summary>The agent's <c>plumtree_agent_handler_runs_total{result=RESULT}</c> (an agent series: no <c>node</c> label).</summary>
    private static async Task<double> HandlerRunsAsync(ChaosNode node, string result) =>
        Agent.Tests.Support.MetricsText.Sum(await node.Agent.MetricsAsync(), "plumtree_agent_handler_runs_total", [$"result={result}"]);
}
