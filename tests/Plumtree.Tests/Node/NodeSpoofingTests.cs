using System.Net;
using System.Net.Sockets;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Node;

/// <summary>Plain mode (no keyring): what one spoofed UDP packet can and cannot do to a node.</summary>
[Collection(NodeCollection.Name)]
public sealed class NodeSpoofingTests
{
    [Fact]
    public async Task A_spoofed_alive_without_versions_does_not_block_joins_through_the_seed()
    {
        await using var cluster = await NodeCluster.StartAsync(1);
        var seed = cluster.Nodes[0];

        // The packet: an alive with an empty Vsn (memberlist stores it as version 0, and every later
        // push/pull through the seed failed "protocol version (0) is incompatible"). A well-formed alive after it,
        // from the same socket, shows when the seed has processed both.
        using (var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            var address = IPAddress.Parse("127.0.0.1").GetAddressBytes();
            var fake = new Alive(1, cluster.Prefix + "-fake", address, 9, null, null);
            var canary = new Alive(1, cluster.Prefix + "-canary", address, 9, null, new ProtocolVersions(1, 5, 2, 0, 0, 0));
            await udp.SendAsync(MessageCodec.Encode(fake), seed.AdvertisedEndPoint, NodeCluster.Ct);
            await udp.SendAsync(MessageCodec.Encode(canary), seed.AdvertisedEndPoint, NodeCluster.Ct);
        }

        await NodeCluster.Until(() => seed.Members.Any(m => m.Name == cluster.Prefix + "-canary"), "the seed processes the spoofed packets");
        Assert.DoesNotContain(seed.Members, m => m.Name == cluster.Prefix + "-fake");

        // A joiner through that seed gets in, and broadcasts flow both ways.
        var joiner = await cluster.AddAsync(NodeCluster.Options(cluster.Prefix + "-joiner", cluster.Interceptor), join: true);
        Assert.Contains(joiner.Members, m => m.Name == seed.Name && m.State == MemberState.Alive);
        var ids = new List<MessageId> { await cluster.BroadcastAsync(seed, 1), await cluster.BroadcastAsync(joiner, 2) };
        await cluster.WaitDeliveredAsync(ids);
    }
}
