using Plumtree.Broadcast;
using Plumtree.Diagnostics;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Sync;
using Plumtree.Transport;

namespace Plumtree.Tests.Node;

/// <summary>The recovery guide's procedures, run for real.</summary>
[Collection(NodeCollection.Name)]
public sealed class NodeRecoveryTests
{
    [Fact]
    public async Task An_isolated_node_shows_zero_peers_and_is_unhealthy_then_leave_and_join_again_brings_it_back()
    {
        await using var cluster = await NodeCluster.StartAsync(5, configure: o => o.ReconnectInterval = TimeSpan.FromHours(1));
        var isolated = cluster.Nodes[4];
        using var metrics = new MetricsProbe(isolated.Name);
        Assert.True(metrics.Value(MetricNames.EagerPeers) + metrics.Value(MetricNames.LazyPeers) > 0);
        Assert.Equal(HealthStatus.Healthy, isolated.GetHealth().Status);

        cluster.Faults.Isolate(isolated.Name);

        // The guide's symptoms: plumtree_eager_peers = 0, plumtree_lazy_peers = 0, health Unhealthy.
        await NodeCluster.Until(
            () => metrics.Value(MetricNames.EagerPeers) == 0 && metrics.Value(MetricNames.LazyPeers) == 0,
            "the isolated node's eager and lazy peer gauges read 0");
        var health = isolated.GetHealth();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal(HealthStatus.Unhealthy, health.Checks["peers"].Status);
        Assert.Contains("isolated", health.Message, StringComparison.OrdinalIgnoreCase);
        var others = cluster.Nodes.Take(4).ToList();
        await NodeCluster.Until(
            () => others.All(n => !n.EagerPeers.Concat(n.LazyPeers).Contains(isolated.Name)),
            "the others drop the isolated node as a peer");
        var missed = await cluster.BroadcastAsync(cluster.Nodes[0], 1);
        await cluster.WaitDeliveredAsync([missed], others);
        Assert.False(cluster.Deliveries[isolated.Name].ContainsKey(missed));

        // The guide's recovery: connectivity restored, leave, then join again on the same node.
        cluster.Faults.Heal();
        await isolated.LeaveAsync(TimeSpan.FromSeconds(5), NodeCluster.Ct);
        Assert.False(isolated.IsJoined);
        var answered = await isolated.JoinAsync([cluster.Nodes[0].AdvertisedEndPoint], NodeCluster.Ct);

        Assert.Equal(1, answered);
        Assert.True(isolated.IsJoined);
        await cluster.WaitConvergedAsync("every member sees the rejoined node alive again");
        await NodeCluster.Until(() => isolated.GetHealth().Status == HealthStatus.Healthy, "the rejoined node is healthy");
        Assert.True(metrics.Value(MetricNames.EagerPeers) + metrics.Value(MetricNames.LazyPeers) > 0);
        var toIsolated = await cluster.BroadcastAsync(cluster.Nodes[1], 2);
        var fromIsolated = await cluster.BroadcastAsync(isolated, 3);
        await cluster.WaitDeliveredAsync([toIsolated, fromIsolated]);
        Assert.All(others, n => Assert.True(n.Members.Single(m => m.Name == isolated.Name).Incarnation > 1));
    }

    [Fact]
    public async Task Rebalance_restores_the_fanout_targets_after_pruning_moved_eager_peers_to_lazy()
    {
        var options = BroadcastOptions.Lan with { EagerFanout = 3, LazyFanout = 3, OptimizationThreshold = 7 };
        await using var cluster = await NodeCluster.StartAsync(7, options);
        await cluster.WaitOverlayAsync(minPeers: 6);
        var ids = new List<MessageId>();
        for (var i = 0; i < 50; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 7], i));
        }

        await cluster.WaitDeliveredAsync(ids);

        // Every node delivered, but duplicate Gossip can still be in flight, and a duplicate from an eager peer
        // prunes it (the paper's rule), which would undo the rebalance below: wait until every Gossip sent has been
        // received (delivered or counted as a duplicate) or dropped and counted (a frame on a stream that broke under
        // load, a parked frame from a sender not yet in the view: no longer in flight either).
        long Drops() => cluster.Nodes.Sum(n => n.DroppedByReason().Sum(d => d.Value));
        await NodeCluster.Until(
            () => cluster.Sum(c => c.GossipSent) <= cluster.Sum(c => c.Delivered) - cluster.Sum(c => c.Broadcast) + cluster.Sum(c => c.Duplicates) + Drops(),
            () => $"no Gossip in flight: sent {cluster.Sum(c => c.GossipSent)}, received {cluster.Sum(c => c.Delivered) - cluster.Sum(c => c.Broadcast)} + duplicates {cluster.Sum(c => c.Duplicates)}, drops {Drops()} ({string.Join(", ", cluster.Nodes.SelectMany(n => n.DroppedByReason()).Where(d => d.Value > 0).Select(d => $"{d.Key}={d.Value}"))})");
        var node = cluster.Nodes.First(n => n.EagerPeers.Count < 3);

        await node.RebalancePeersAsync(NodeCluster.Ct);

        // Right after the call (the snapshot is published before it returns): the targets hold.
        var eager = node.EagerPeers;
        var lazy = node.LazyPeers;
        var total = eager.Count + lazy.Count;
        var state = $"eager [{string.Join(" ", eager)}], lazy [{string.Join(" ", lazy)}], view {node.Snapshot.Broadcast.ViewSize}";
        Assert.True(total >= 5, $"the peer set is refilled: {state}");

        Assert.True(eager.Count == 3, $"the eager target holds: {state}");

        // Both ends agree on the new roles (Graft and Prune told the peers), and broadcasts still reach everyone.
        await NodeCluster.Until(
            () => node.EagerPeers.All(p => cluster.Nodes.Single(n => n.Name == p).EagerPeers.Contains(node.Name)),
            "the rebalanced node's eager peers count it as eager too");
        var after = await cluster.BroadcastAsync(node, 100);
        await cluster.WaitDeliveredAsync([after]);
    }

    [Fact]
    public async Task Clear_cache_empties_it_grafts_for_cleared_messages_are_served_from_the_sync_store_and_sync_repairs_a_lost_frame()
    {
        // One eager link per node and no ring: the victim, joining last, is a lazy peer of every other node, so
        // they announce messages to it; it grafts late, after their caches are cleared.
        var shared = BroadcastOptions.Lan with { EagerFanout = 1, LazyFanout = 5, HashRing = false, OptimizationThreshold = 7 };
        await using var cluster = await NodeCluster.StartAsync(4, shared, configure: o =>
        {
            if (o.NodeName.EndsWith("-n3", StringComparison.Ordinal))
            {
                o.Broadcast = shared with { GraftTimeout = TimeSpan.FromSeconds(2), GraftRepairRounds = 1 };
                o.Sync = new SyncOptions { Interval = TimeSpan.FromSeconds(1) };
            }
        });
        await cluster.WaitOverlayAsync(minPeers: 3);
        var victim = cluster.Nodes[3];
        var others = cluster.Nodes.Take(3).ToList();
        await NodeCluster.Until(() => others.All(n => n.LazyPeers.Contains(victim.Name)), "every other node holds the victim as a lazy peer");

        // Large frames (Gossip, and sync pages carrying the payload) to the victim are lost; announcements and grafts get through.
        cluster.Interceptor.DropWhen = (channel, route, size) =>
            channel == TransportChannel.PlumtreeFrame && route.ToNode == victim.Name && size > 1000;
        var id = await others[0].BroadcastAsync(new byte[2000], NodeCluster.Ct);
        await cluster.WaitDeliveredAsync([id], others);
        await NodeCluster.Until(() => victim.ExportState().PendingGrafts == 1, "the victim has heard of the message it missed");
        foreach (var node in others)
        {
            // The delivery event can come before the loop publishes the snapshot that shows the cached payload.
            await NodeCluster.Until(() => node.CacheSize > 0, $"{node.Name}'s published cache holds the message");
            await node.ClearCacheAsync(NodeCluster.Ct);
            Assert.Equal(0, node.CacheSize);
        }

        // The victim's grafts reach nodes whose cache no longer holds the message: they serve it from the sync store
        // (the copy is lost on the way here). After its one repair round the victim gives the graft up, counted once.
        await NodeCluster.Until(
            () => victim.BroadcastCounters.GraftFailed >= 1 && others.Sum(n => n.BroadcastCounters.GraftServedFromStore) >= 1,
            "the victim's graft is served from a store, the copy is lost, and the graft fails");
        Assert.Equal((1L, 1L), (victim.BroadcastCounters.RepairRounds, victim.BroadcastCounters.GraftFailed));
        Assert.Equal(0, others.Sum(n => n.BroadcastCounters.GraftUnserved));
        Assert.False(cluster.Deliveries[victim.Name].ContainsKey(id));

        // Once frames flow again, anti-entropy brings the lost message; cleared ids are still remembered, so nothing is
        // delivered twice anywhere, and new messages flow.
        cluster.Interceptor.DropWhen = null;
        await cluster.WaitDeliveredAsync([id], [victim]);
        Assert.True(victim.SyncCounters.MessagesRecovered >= 1);
        var next = await cluster.BroadcastAsync(others[1], 7);
        await cluster.WaitDeliveredAsync([next]);
        Assert.All(cluster.Nodes, n => Assert.Equal(1, cluster.Deliveries[n.Name][id]));
    }
}
