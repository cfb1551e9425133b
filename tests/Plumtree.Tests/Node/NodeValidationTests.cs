using Plumtree.Node;
using Plumtree.Sync;

namespace Plumtree.Tests.Node;

/// <summary><see cref="PlumtreeNodeOptions.MessageValidator"/> on real nodes: a bad producer cannot poison the cluster.</summary>
[Collection(NodeCollection.Name)]
public sealed class NodeValidationTests
{
    // The cluster's test payloads are an int: negative ones are "bad".
    private static MessageValidation RejectNegative(MessageId id, ReadOnlyMemory<byte> payload, string? from) =>
        payload.Length == 4 && BitConverter.ToInt32(payload.Span) < 0 ? MessageValidation.Reject : MessageValidation.Accept;

    [Fact]
    public async Task A_producer_without_the_validator_cannot_spread_a_bad_message_by_tree_or_by_sync()
    {
        // Node 0 is the bad producer (no validator); every other node validates. Sync runs every 500 ms.
        await using var cluster = await NodeCluster.StartAsync(4, configure: o =>
        {
            o.Sync = new SyncOptions { Interval = TimeSpan.FromMilliseconds(500), RoundTimeout = TimeSpan.FromSeconds(2) };
            o.MessageValidator = o.NodeName.EndsWith("-n0", StringComparison.Ordinal) ? null : RejectNegative;
        });
        await cluster.WaitOverlayAsync(minPeers: 2);
        var producer = cluster.Nodes[0];
        var others = cluster.Nodes.Skip(1).ToList();

        var bad = await cluster.BroadcastAsync(producer, -1);
        var good = await cluster.BroadcastAsync(producer, 1);
        await cluster.WaitDeliveredAsync([good]);

        // Every other node refuses it: its eager peers from the tree, the others when sync offers it.
        await NodeCluster.Until(
            () => others.All(n => n.DroppedByReason().GetValueOrDefault("validation_rejected") >= 1),
            () => "every validating node refuses the bad message: " + string.Join(", ", others.Select(n => $"{n.Name}={n.DroppedByReason().GetValueOrDefault("validation_rejected")}")));

        // Several sync rounds later nobody delivered it, and each node asked its validator once: a refusal on the tree
        // is handed to the sync engine, which does not fetch the message again (and the other way round).
        var rounds = others.ToDictionary(n => n.Name, n => n.SyncStatus.Peers.Sum(p => p.RoundsOk));
        await NodeCluster.Until(() => others.All(n => n.SyncStatus.Peers.Sum(p => p.RoundsOk) >= rounds[n.Name] + 3), "three more sync rounds on every node");
        Assert.True(cluster.Deliveries[producer.Name].ContainsKey(bad));
        Assert.All(others, n => Assert.False(cluster.Deliveries[n.Name].ContainsKey(bad), $"{n.Name} delivered the bad message"));
        Assert.All(others, n => Assert.Equal(1, n.DroppedByReason().GetValueOrDefault("validation_rejected")));
        Assert.All(others, n => Assert.Equal(1, cluster.Deliveries[n.Name][good]));
    }

    [Fact]
    public async Task A_node_refuses_its_own_bad_broadcast_and_a_throwing_validator_rejects_and_is_counted()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => o.MessageValidator = o.NodeName.EndsWith("-n1", StringComparison.Ordinal)
            ? (id, payload, from) => BitConverter.ToInt32(payload.Span) == 13 ? throw new InvalidOperationException("validator bug") : RejectNegative(id, payload, from)
            : RejectNegative);
        await cluster.WaitOverlayAsync(minPeers: 1);
        var (n0, n1) = (cluster.Nodes[0], cluster.Nodes[1]);

        var refused = await Assert.ThrowsAsync<MessageRejectedException>(() => cluster.BroadcastAsync(n0, -5));
        Assert.Equal(MessageValidation.Reject, refused.Verdict);
        Assert.Empty(cluster.Deliveries[n0.Name]);

        var thrown = await cluster.BroadcastAsync(n0, 13);
        var after = await cluster.BroadcastAsync(n0, 14);
        await cluster.WaitDeliveredAsync([after]);
        Assert.False(cluster.Deliveries[n1.Name].ContainsKey(thrown));
        Assert.True(cluster.Deliveries[n0.Name].ContainsKey(thrown));
        Assert.Equal(1, n1.DroppedByReason().GetValueOrDefault("validation_failed"));
    }
}
