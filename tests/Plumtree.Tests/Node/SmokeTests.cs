using Plumtree.Wire;

namespace Plumtree.Tests.Node;

[Collection(NodeCollection.Name)]
public sealed class NodeSmokeTests
{
    [Fact]
    public async Task Three_nodes_form_a_cluster_and_deliver_broadcasts()
    {
        await using var cluster = await NodeCluster.StartAsync(3);
        var ids = new List<MessageId>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 3], i));
        }

        await cluster.WaitDeliveredAsync(ids);
        Assert.All(cluster.Deliveries.Values, log => Assert.All(log.Values, count => Assert.Equal(1, count)));
    }
}
