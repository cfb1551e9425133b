using Plumtree.Wire;

namespace Plumtree.Tests.Node;

[Collection(NodeCollection.Name)]
public sealed class NodeBroadcastTests
{
    private const int Broadcasts = 500;
    private const int Measured = 100;

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    public async Task Every_node_delivers_every_broadcast_exactly_once_and_the_settled_tree_sends_about_n_minus_1_payloads(int n)
    {
        await using var cluster = await NodeCluster.StartAsync(n);
        await cluster.WaitOverlayAsync(minPeers: 2);
        var random = new Random(n);
        var ids = new List<MessageId>(Broadcasts);

        // Warm-up: the tree forms by pruning the duplicates of the first messages.
        for (var i = 0; i < Broadcasts - Measured; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[random.Next(n)], i));
        }

        await cluster.WaitDeliveredAsync(ids);
        await NodeCluster.Until(() => cluster.Nodes.All(node => node.Snapshot.Broadcast.PendingGrafts == 0), "no graft is pending");

        // Steady state: one message at a time, so that the measurement sees the tree, not races between messages.
        var gossipBefore = cluster.Sum(c => c.GossipSent);
        for (var i = Broadcasts - Measured; i < Broadcasts; i++)
        {
            var id = await cluster.BroadcastAsync(cluster.Nodes[random.Next(n)], i);
            ids.Add(id);
            await cluster.WaitDeliveredAsync([id]);
        }

        await NodeCluster.Until(() => cluster.Nodes.All(node => node.Snapshot.Broadcast.PendingGrafts == 0), "no graft is pending");
        var perBroadcast = (double)(cluster.Sum(c => c.GossipSent) - gossipBefore) / Measured;

        Assert.All(cluster.Nodes, node =>
        {
            var log = cluster.Deliveries[node.Name];
            Assert.Equal(Broadcasts, log.Count);
            Assert.All(ids, id => Assert.Equal(1, log[id]));
        });
        Assert.InRange(perBroadcast, n - 1, 1.05 * (n - 1));
    }
}
