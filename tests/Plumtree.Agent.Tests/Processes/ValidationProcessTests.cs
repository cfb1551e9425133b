using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// <c>Plumtree:Validation</c> on real agent processes (docs/security.md, "Message validation"): a producer without the
/// rules cannot spread a payload that breaks them, by tree or by sync, and a validating agent refuses it at the API.
/// </summary>
public sealed class ValidationProcessTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();
    private readonly List<LiveAgent> _agents = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var agent in Enumerable.Reverse(_agents))
        {
            agent.Dispose();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task A_producer_without_the_rules_reaches_no_validating_agent_and_a_validating_agent_refuses_at_the_API()
    {
        var sync = new Dictionary<string, string>(StringComparer.Ordinal) { ["PLUMTREE_SYNC__INTERVAL"] = "00:00:01" };
        var rules = new Dictionary<string, string>(sync, StringComparer.Ordinal) { ["PLUMTREE_VALIDATION__JSON"] = "true", ["PLUMTREE_VALIDATION__REQUIRED_FIELDS"] = "type" };
        var producer = Track(LiveAgent.Start("val-p", _dir, [], environment: sync));
        var v1 = Track(LiveAgent.Start("val-v1", _dir, [producer], environment: rules));
        var v2 = Track(LiveAgent.Start("val-v2", _dir, [producer], environment: rules));
        var names = new[] { producer.Name, v1.Name, v2.Name };
        foreach (var agent in _agents)
        {
            await agent.WaitForMembersAsync(names, Bound);
        }

        // The producer has no rules: it accepts and delivers its own bad payloads.
        await producer.BroadcastAsync("not json at all");
        await producer.BroadcastAsync("{\"kind\":\"no type field\"}");
        const string good = "{\"type\":\"deploy\",\"n\":1}";
        await producer.BroadcastAsync(good);

        // Every validating agent delivers the good one and refuses both bad ones (tree or sync, whichever brings them).
        await Eventually.UntilAsync(async () => (await Task.WhenAll(v1.PayloadsAsync(), v2.PayloadsAsync())).All(p => p.Contains(good))
                && (await Task.WhenAll(v1.CounterAsync("plumtree_dropped_total", "reason=validation_rejected"), v2.CounterAsync("plumtree_dropped_total", "reason=validation_rejected"))).All(c => c >= 2), ok => ok, Bound, "both validating agents deliver the good payload and refuse the two bad ones", Ct);

        // Three more sync rounds later (1 s interval) nothing bad was delivered anywhere but at the producer.
        var rounds = await v1.CounterAsync("plumtree_sync_rounds_total");
        await Eventually.UntilAsync(async () => await v1.CounterAsync("plumtree_sync_rounds_total") >= rounds + 3, ok => ok, Bound, "three more sync rounds on val-v1", Ct);
        Assert.Contains("not json at all", await producer.PayloadsAsync());
        foreach (var agent in new[] { v1, v2 })
        {
            var payloads = await agent.PayloadsAsync();
            Assert.Equal([good], payloads);
            Assert.InRange(await agent.CounterAsync("plumtree_dropped_total", "reason=validation_rejected"), 2, 4); // at most once by tree, once by sync
        }

        // A validating agent's own API refuses a bad payload (422, nothing sent) and takes a good one.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using (var refused = await http.PostAsync($"http://{v1.HttpAddress}/v1/broadcast", new ByteArrayContent("[1,2]"u8.ToArray()), Ct))
        {
            Assert.Equal(422, (int)refused.StatusCode);
            Assert.Contains("Plumtree:Validation", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        const string second = "{\"type\":\"deploy\",\"n\":2}";
        await v1.BroadcastAsync(second);
        await Eventually.UntilAsync(async () => (await Task.WhenAll(producer.PayloadsAsync(), v2.PayloadsAsync())).All(p => p.Contains(second)), ok => ok, Bound, "the good payload from val-v1 reaches the others", Ct);
        Assert.DoesNotContain("[1,2]", await producer.PayloadsAsync());
    }

    private LiveAgent Track(LiveAgent agent)
    {
        _agents.Add(agent);
        return agent;
    }
}
