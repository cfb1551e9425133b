using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Plumtree.Testing;

namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>Bounded waits for cluster states, and the exactly-once check over the handler's delivery log.</summary>
internal sealed partial class ChaosCluster
{
    /// <summary>Waits until every one of <paramref name="nodes"/> sees all of them alive.</summary>
    public async Task WaitFormedAsync(IReadOnlyList<ChaosNode> nodes)
    {
        var names = nodes.Select(n => n.Name).ToList();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.Agent.WaitForMembersAsync(names, Bound)));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new TimeoutException($"{ex.Message}\n{Describe(nodes)}", ex);
        }
    }

    /// <summary>Waits until each of <paramref name="observers"/> holds every one of <paramref name="failed"/> neither alive nor suspect.</summary>
    public async Task WaitFailedAsync(IEnumerable<ChaosNode> observers, IReadOnlyList<ChaosNode> failed)
    {
        await Task.WhenAll(observers.Select(observer => Eventually.UntilAsync(
            observer.Agent.NotFailedAsync,
            live => !failed.Any(f => live.Contains(f.Name)),
            Bound,
            $"{observer.Name} declares {string.Join(", ", failed.Select(f => f.Name))} dead",
            Ct)));
    }

    /// <summary>
    /// Waits until the handler of every one of <paramref name="nodes"/> has run for every one of <paramref name="ids"/>;
    /// returns, per node, the <paramref name="clock"/> time at which it was first seen complete (polled every 100 ms).
    /// </summary>
    public async Task<Dictionary<string, TimeSpan>> WaitDeliveredAsync(IReadOnlyList<ChaosNode> nodes, IReadOnlyList<string> ids, Stopwatch? clock = null)
    {
        clock ??= Stopwatch.StartNew();
        var done = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        try
        {
            await Eventually.UntilAsync(
                () =>
                {
                    foreach (var node in nodes)
                    {
                        if (!done.ContainsKey(node.Name) && Deliveries.HasAll(node.Name, ids))
                        {
                            done[node.Name] = clock.Elapsed;
                        }
                    }

                    return done.Count == nodes.Count;
                },
                Bound,
                $"{string.Join(", ", nodes.Select(n => n.Name))} delivered {ids.Count} messages",
                Ct);
        }
        catch (TimeoutException ex)
        {
            var missing = nodes.Select(n =>
            {
                var counts = Deliveries.Counts(n.Name);
                var lacking = ids.Where(id => !counts.ContainsKey(id)).ToList();
                return $"{n.Name} lacks {lacking.Count}: {string.Join(", ", lacking.Take(5))}";
            });
            throw new TimeoutException($"{ex.Message}\n{string.Join("; ", missing)}\n{await SyncStateAsync(nodes)}\n{Describe(nodes)}", ex);
        }

        return done;
    }

    /// <summary>Waits until each node has run at least <paramref name="rounds"/> more anti-entropy rounds (<c>plumtree_sync_rounds_total</c>).</summary>
    public static async Task WaitMoreSyncRoundsAsync(IReadOnlyList<ChaosNode> nodes, int rounds)
    {
        await Task.WhenAll(nodes.Select(async node =>
        {
            var start = await node.Agent.CounterAsync("plumtree_sync_rounds_total");
            await Eventually.UntilAsync(() => node.Agent.CounterAsync("plumtree_sync_rounds_total"), n => n >= start + rounds, Bound, $"{node.Name} runs {rounds} more sync rounds", Ct);
        }));
    }

    /// <summary>
    /// <paramref name="node"/>'s handler ran exactly once for each of <paramref name="ids"/>, and for no message other
    /// than those and <paramref name="others"/>.
    /// </summary>
    public void AssertExactlyOnce(ChaosNode node, IEnumerable<string> ids, IEnumerable<string>? others = null)
    {
        var expected = ids.ToList();
        var wrong = Deliveries.NotExactlyOnce(node.Name, expected);
        Assert.True(wrong.Count == 0, $"{node.Name} delivered these not exactly once: {string.Join(", ", wrong)}");
        var known = expected.Concat(others ?? []).ToHashSet(StringComparer.Ordinal);
        var unexpected = Deliveries.Counts(node.Name).Keys.Where(id => !known.Contains(id)).ToList();
        Assert.True(unexpected.Count == 0, $"{node.Name} delivered messages nobody broadcast: {string.Join(", ", unexpected)}");
    }

    /// <summary>Every one of <paramref name="nodes"/> delivered each of <paramref name="ids"/> exactly once and nothing else; returns the number of deliveries checked.</summary>
    public int AssertExactlyOnceEverywhere(IEnumerable<ChaosNode> nodes, IReadOnlyList<string> ids)
    {
        var checkedDeliveries = 0;
        foreach (var node in nodes)
        {
            AssertExactlyOnce(node, ids);
            checkedDeliveries += ids.Count;
        }

        return checkedDeliveries;
    }

    /// <summary>Broadcasts <paramref name="count"/> messages from <paramref name="node"/> (<c>POST /v1/broadcast</c>, each answered 202); returns their ids.</summary>
    public static async Task<List<string>> BroadcastAsync(ChaosNode node, string label, int count)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(await node.Agent.BroadcastAsync($"{label} #{i.ToString(CultureInfo.InvariantCulture)} from {node.Name}"));
        }

        return ids;
    }

    /// <summary>The last lines of output of each node's current agent, for a failure message.</summary>
    public static string Describe(IEnumerable<ChaosNode> nodes) =>
        string.Join('\n', nodes.Select(n =>
        {
            try
            {
                var lines = (n.Agent.Process.Stdout + n.Agent.Process.Stderr).Split('\n');
                return $"== {n} pid {n.Agent.Process.Pid}{(n.Agent.Process.HasExited ? " (exited)" : string.Empty)}:\n{string.Join('\n', lines.TakeLast(25))}";
            }
            catch (InvalidOperationException)
            {
                return $"== {n}: no agent";
            }
        }));

    private static async Task<string> SyncStateAsync(IEnumerable<ChaosNode> nodes)
    {
        var lines = new List<string>();
        foreach (var node in nodes)
        {
            try
            {
                lines.Add($"{node.Name} /debug/sync: {await node.Agent.GetAsync("debug/sync")}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
            {
                lines.Add($"{node.Name} /debug/sync: {e.Message}");
            }
        }

        return string.Join('\n', lines);
    }
}
