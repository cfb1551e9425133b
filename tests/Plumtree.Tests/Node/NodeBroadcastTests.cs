
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

        // Warm-up in batches of 10 concurrent messages: the tree forms by pruning the first messages' duplicates.
        while (ids.Count < Broadcasts - (2 * Measured))
        {
            var batch = new List<MessageId>();
            for (var i = 0; i < 10; i++)
            {
                batch.Add(await cluster.BroadcastAsync(cluster.Nodes[random.Next(n)], ids.Count + i));
            }

            ids.AddRange(batch);
            await cluster.WaitDeliveredAsync(batch);
        }

        // Then one message at a time: the tree settles, and the last ones are measured.
        long gossipBefore = 0;
        for (var i = Broadcasts - (2 * Measured); i < Broadcasts; i++)
        {
            if (i == Broadcasts - Measured)
            {
                await NodeCluster.Until(() => cluster.Nodes.All(node => node.Snapshot.Broadcast.PendingGrafts == 0), "no graft is pending");
                gossipBefore = cluster.Sum(c => c.GossipSent);
            }

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
