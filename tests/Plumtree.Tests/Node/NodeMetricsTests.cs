using Plumtree.Diagnostics;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Tests.Node;

[Collection(NodeCollection.Name)]
public sealed class NodeMetricsTests
{
    [Fact]
    public async Task Metrics_observed_through_a_MeterListener_match_the_state_export_and_the_deliveries()
    {
        await using var cluster = await NodeCluster.StartAsync(4);
        await cluster.WaitOverlayAsync(minPeers: 3);
        var node = cluster.Nodes[1];
        using var metrics = new MetricsProbe(node.Name);
        var ids = new List<MessageId>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await cluster.Nodes[i % 4].BroadcastAsync(new byte[100 + i], NodeCluster.Ct));
        }

        await cluster.WaitDeliveredAsync(ids);

        // Gauges read the published state: poll until one export and one observation agree (the loop may publish in between).
        StateExport? export = null;
        IReadOnlyDictionary<string, double>? observed = null;
        await NodeCluster.Until(
            () =>
            {
                export = node.ExportState();
                observed = metrics.Observe();
                return observed.GetValueOrDefault(MetricNames.EagerPeers) == export.EagerPeers.Count
                       && observed.GetValueOrDefault(MetricNames.LazyPeers) == export.LazyPeers.Count
                       && observed.GetValueOrDefault(MetricNames.CacheSize) == export.CacheSize
                       && observed.GetValueOrDefault(MetricNames.PendingGrafts) == export.PendingGrafts;
            },
            "the gauges match the state export");

        Assert.Equal(export!.EagerPeers.Count + export.LazyPeers.Count, observed![MetricNames.TotalPeers]);
        Assert.Equal(20, export.CacheSize);
        foreach (var state in new[] { MemberState.Alive, MemberState.Suspect, MemberState.Dead, MemberState.Left })
        {
            Assert.Equal(export.Members[state], observed[$"{MetricNames.Members}{{state={state.ToString().ToLowerInvariant()}}}"]);
        }

        Assert.Equal(4, export.Members[MemberState.Alive]);
        Assert.Equal(node.Name, export.Node);
        Assert.Equal(export.EagerPeers.Order(StringComparer.Ordinal), export.EagerPeers);

        // Counters follow the engines; histograms saw every delivery of this node.
        Assert.Equal(5, observed[MetricNames.MessagesBroadcast]);
        Assert.Equal(20, observed[MetricNames.MessagesDelivered]);
        Assert.Equal(node.BroadcastCounters.GossipSent, observed[MetricNames.GossipSent]);
        Assert.Equal(node.BroadcastCounters.Duplicates, observed[MetricNames.MessagesDuplicate]);
        Assert.Equal(20, metrics.HistogramCount(MetricNames.DeliveryHops));
        Assert.Equal(Enumerable.Range(0, 20).Sum(i => 100 + i), metrics.HistogramSum(MetricNames.MessageSize));
        Assert.True(observed[MetricNames.MembershipPushPulls] > 0); // the join
        await NodeCluster.Until(() => metrics.Value(MetricNames.MembershipProbes) > 0, "the probe counter moves");
        await NodeCluster.Until(() => metrics.Value(MetricNames.StoreMessages) == 20, "the store gauge counts every delivered message once");
        Assert.True(metrics.Value(MetricNames.StoreBytes) >= Enumerable.Range(0, 20).Sum(i => 100 + i));
        Assert.True(observed.ContainsKey(MetricNames.MembershipHealthScore));
    }

    [Fact]
    public async Task The_cross_zone_gauge_counts_the_peers_in_another_zone_and_every_node_keeps_one()
    {
        static string ZoneOf(string name) => name[^1] is '0' or '2' ? "zone-a" : "zone-b";
        await using var cluster = await NodeCluster.StartAsync(4, configure: o => o.Zone = ZoneOf(o.NodeName));
        await cluster.WaitOverlayAsync(minPeers: 2);
        using var metrics = new MetricsProbe(cluster.Nodes[0].Name);

        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(ZoneOf(node.Name), node.Zone);
            await NodeCluster.Until(
                () =>
                {
                    var peers = node.EagerPeers.Concat(node.LazyPeers).ToList();
                    var expected = peers.Where(p => ZoneOf(p) != node.Zone).Order(StringComparer.Ordinal).ToList();
                    return expected.Count >= 1 && node.CrossZonePeers.SequenceEqual(expected);
                },
                () => $"{node.Name} ({node.Zone}) lists its peers in the other zone: eager {string.Join(",", node.EagerPeers)}, lazy {string.Join(",", node.LazyPeers)}, cross {string.Join(",", node.CrossZonePeers)}");
        }

        var first = cluster.Nodes[0];
        await NodeCluster.Until(
            () => metrics.Observe().GetValueOrDefault(MetricNames.CrossZonePeers) == first.CrossZonePeers.Count,
            "plumtree_cross_zone_peers matches the node's cross-zone peers");
        Assert.True(metrics.Observe()[MetricNames.CrossZonePeers] >= 1);
        Assert.All(first.Members, m => Assert.Equal(ZoneOf(m.Name), m.Tags["zone"]));
    }

    [Fact]
    public async Task Drops_are_counted_by_reason_and_a_private_meter_stops_reporting_after_dispose()
    {
        var options = NodeCluster.Options("metrics-solo", null);
        options.SubscriberBufferCapacity = 2;
        var node = new PlumtreeNode(options);
        using var metrics = new MetricsProbe(node.Name);
        await node.StartAsync(NodeCluster.Ct);
        await using (var reader = node.ReadMessagesAsync(NodeCluster.Ct).GetAsyncEnumerator())
        {
            var first = reader.MoveNextAsync();
            await node.BroadcastAsync(new byte[] { 0 }, NodeCluster.Ct);
            Assert.True(await first);
            for (var i = 1; i <= 5; i++)
            {
                await node.BroadcastAsync(new[] { (byte)i }, NodeCluster.Ct);
            }

            Assert.Equal(3, metrics.Value($"{MetricNames.Dropped}{{reason=subscriber_overflow}}"));
        }

        await node.DisposeAsync();
        Assert.DoesNotContain(metrics.Observe().Keys, k => k.StartsWith("plumtree_", StringComparison.Ordinal));
    }
}
