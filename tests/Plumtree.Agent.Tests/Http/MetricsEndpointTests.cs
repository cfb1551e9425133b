using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Plumtree.Agent.Tests.Support;
using Plumtree.Diagnostics;

namespace Plumtree.Agent.Tests.Http;

/// <summary>
/// The export path of /metrics: instruments created on the Plumtree meter (as the node does, through the host's
/// IMeterFactory) come out in Prometheus text under exactly their MetricNames names.
/// </summary>
public sealed class MetricsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates every instrument of MetricNames the way a node would, tagged with a node name unique to the test.</summary>
    private static void RecordEverything(IMeterFactory factory, string node)
    {
        var meter = factory.Create(MetricNames.MeterName);
        var tag = new KeyValuePair<string, object?>(MetricNames.NodeTag, node);
        foreach (var gauge in new[] { MetricNames.EagerPeers, MetricNames.LazyPeers, MetricNames.TotalPeers, MetricNames.CrossZonePeers, MetricNames.CacheSize, MetricNames.PendingGrafts, MetricNames.MembershipHealthScore })
        {
            meter.CreateObservableGauge(gauge, () => new Measurement<int>(3, tag), description: "test gauge");
        }

        meter.CreateObservableGauge(MetricNames.Members, () => new[]
        {
            new Measurement<int>(4, tag, new("state", "alive")),
            new Measurement<int>(1, tag, new("state", "dead")),
        }, description: "members by state");
        foreach (var counter in new[]
        {
            MetricNames.MessagesBroadcast, MetricNames.MessagesDelivered, MetricNames.MessagesDuplicate, MetricNames.GossipSent,
            MetricNames.IHaveSent, MetricNames.GraftSent, MetricNames.PruneSent, MetricNames.GraftFailed, MetricNames.MessagesPartitioned,
            MetricNames.SyncRounds, MetricNames.SyncMessagesRecovered, MetricNames.SyncFailures, MetricNames.MembershipProbes,
            MetricNames.MembershipProbeFailures, MetricNames.MembershipSuspicions, MetricNames.MembershipRefutes, MetricNames.MembershipPushPulls,
            MetricNames.StorageErrors,
        })
        {
            meter.CreateCounter<long>(counter, description: "test counter").Add(5, tag);
        }

        meter.CreateCounter<long>(MetricNames.Dropped, description: "dropped").Add(2, tag, new("reason", "queue_full"));
        meter.CreateCounter<long>(MetricNames.DecodeErrors, description: "decode errors").Add(1, tag, new("layer", "frame"));
        meter.CreateHistogram<int>(MetricNames.DeliveryHops, description: "hops").Record(3, tag);
        meter.CreateHistogram<double>(MetricNames.GraftLatency, unit: "s", description: "graft latency").Record(0.02, tag);
        meter.CreateHistogram<int>(MetricNames.MessageSize, unit: "By", description: "sizes").Record(300, tag);
    }

    private static async Task<string> ScrapeAsync(TestAgent agent)
    {
        using var response = await agent.Client.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    [Fact]
    public async Task Every_metric_is_exported_under_its_exact_name_with_the_node_label()
    {
        await using var agent = await TestAgent.StartAsync();
        var node = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        RecordEverything(agent.App.Services.GetRequiredService<IMeterFactory>(), node);

        var text = await ScrapeAsync(agent);
        var lines = text.Split('\n');
        string Sample(string name) => lines.Single(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"node=\"{node}\"", StringComparison.Ordinal) && !l.Contains("state=\"dead\"", StringComparison.Ordinal));

        foreach (var gauge in new[] { MetricNames.EagerPeers, MetricNames.LazyPeers, MetricNames.TotalPeers, MetricNames.CrossZonePeers, MetricNames.CacheSize, MetricNames.PendingGrafts })
        {
            Assert.Contains($"# TYPE {gauge} gauge", lines);
            Assert.Equal("3", Sample(gauge).Split(' ')[1]);
        }

        Assert.Contains(lines, l => l.StartsWith(MetricNames.Members + "{", StringComparison.Ordinal) && l.Contains("state=\"alive\"", StringComparison.Ordinal) && l.Contains($"node=\"{node}\"", StringComparison.Ordinal) && l.Split(' ')[1] == "4");
        Assert.Contains($"# TYPE {MetricNames.MessagesPartitioned} counter", lines);
        Assert.Equal("5", Sample(MetricNames.MessagesPartitioned).Split(' ')[1]);
        Assert.Equal("5", Sample(MetricNames.GraftFailed).Split(' ')[1]);
        Assert.Contains("reason=\"queue_full\"", Sample(MetricNames.Dropped), StringComparison.Ordinal);
        Assert.Contains("layer=\"frame\"", Sample(MetricNames.DecodeErrors), StringComparison.Ordinal);
        Assert.Contains($"# TYPE {MetricNames.DeliveryHops} histogram", lines);
        Assert.Contains($"# TYPE {MetricNames.GraftLatency} histogram", lines);
        Assert.Contains($"# TYPE {MetricNames.MessageSize} histogram", lines);

        // No suffix doubling: names already ending in _total, _seconds, _bytes stay as they are.
        Assert.DoesNotContain("_total_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_seconds_seconds", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_bytes_bytes", text, StringComparison.Ordinal);

        // Scope info and target info are off.
        Assert.DoesNotContain("otel_scope", text, StringComparison.Ordinal);
        Assert.DoesNotContain("target_info", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Histograms_use_the_explicit_buckets_of_MetricNames()
    {
        await using var agent = await TestAgent.StartAsync();
        var node = "buckets-" + Guid.NewGuid().ToString("N")[..8];
        RecordEverything(agent.App.Services.GetRequiredService<IMeterFactory>(), node);

        var text = await ScrapeAsync(agent);
        List<string> Les(string name) => text.Split('\n')
            .Where(l => l.StartsWith(name + "_bucket{", StringComparison.Ordinal) && l.Contains($"node=\"{node}\"", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..].Split('"')[0])
            .ToList();

        static List<string> Expected(IReadOnlyList<double> buckets) =>
            [.. buckets.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)), "+Inf"];

        Assert.Equal(Expected(MetricNames.DeliveryHopBuckets), Les(MetricNames.DeliveryHops));
        Assert.Equal(Expected(MetricNames.GraftLatencyBuckets), Les(MetricNames.GraftLatency));
        Assert.Equal(Expected(MetricNames.MessageSizeBuckets), Les(MetricNames.MessageSize));
    }

    [Fact]
    public async Task Scrapes_are_never_served_from_a_stale_cache()
    {
        await using var agent = await TestAgent.StartAsync();
        var node = "fresh-" + Guid.NewGuid().ToString("N")[..8];
        var counter = agent.App.Services.GetRequiredService<IMeterFactory>().Create(MetricNames.MeterName).CreateCounter<long>(MetricNames.MessagesDelivered);
        var tag = new KeyValuePair<string, object?>(MetricNames.NodeTag, node);
        counter.Add(1, tag);
        string Value(string text) => text.Split('\n').Single(l => l.StartsWith(MetricNames.MessagesDelivered + "{", StringComparison.Ordinal) && l.Contains(node, StringComparison.Ordinal)).Split(' ')[1];

        Assert.Equal("1", Value(await ScrapeAsync(agent)));
        counter.Add(1, tag);
        Assert.Equal("2", Value(await ScrapeAsync(agent)));
    }

    [Fact]
    public async Task Promtool_accepts_the_exposition()
    {
        var promtool = Tools.Require("promtool", "prometheus");
        await using var agent = await TestAgent.StartAsync();
        RecordEverything(agent.App.Services.GetRequiredService<IMeterFactory>(), "lint-" + Guid.NewGuid().ToString("N")[..8]);
        var text = await ScrapeAsync(agent);

        var (code, output) = await Tools.RunAsync(promtool, ["check", "metrics"], stdin: text);

        Assert.True(code == 0, $"promtool check metrics exited {code}:\n{output}");
    }
}
