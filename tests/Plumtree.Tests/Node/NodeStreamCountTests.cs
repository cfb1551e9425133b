using Plumtree.Node;
using Plumtree.Sync;

namespace Plumtree.Tests.Node;

/// <summary>
/// How many Plumtree streams a node holds (docs/transport.md, "Outbound"): streams opened to members that are not overlay
/// peers (anti-entropy rounds, repair probes, splices, grafts) close after <see cref="StreamOptions.TransientIdleTimeout"/>,
/// so a node's streams stay near its peer count instead of growing to one per member.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class NodeStreamCountTests
{
    private static CancellationToken Ct => NodeCluster.Ct;

    [Fact]
    public async Task Streams_opened_to_members_that_are_not_peers_close_and_leave_about_one_per_peer()
    {
        const int count = 12;
        await using var cluster = await NodeCluster.StartAsync(count, configure: o =>
        {
            o.Streams = new StreamOptions { TransientIdleTimeout = TimeSpan.FromMilliseconds(500) };
            o.Sync = new SyncOptions { Interval = TimeSpan.FromHours(1), RoundTimeout = TimeSpan.FromSeconds(2) };
        });
        await cluster.WaitOverlayAsync(minPeers: 3);

        // Every node runs an anti-entropy round with every other member: a stream to each of them, peers or not.
        await Task.WhenAll(cluster.Nodes.Select(node => Task.Run(async () =>
        {
            foreach (var other in cluster.Nodes.Where(n => n != node))
            {
                await SyncWithAsync(node, other.Name);
            }
        })));
        Assert.All(cluster.Nodes, n => Assert.Equal(count - 1, n.StreamTransport!.Peers.Count));

        // Once the transient idle timeout has passed, what stays open is (about) the overlay: at most one stream in each
        // direction that is not to a current peer (a repair probe may be under way).
        await NodeCluster.Until(
            () => cluster.Nodes.All(n => NonPeerOutbound(n) <= 1 && n.StreamTransport!.InboundConnections <= Peers(n).Count + 2),
            () => "streams to non-peers close: " + string.Join(", ", cluster.Nodes.Select(n =>
                $"{n.Name} peers={Peers(n).Count} out={n.StreamTransport!.OutboundConnections} (non-peer {NonPeerOutbound(n)}) in={n.StreamTransport.InboundConnections}")));
        Assert.True(cluster.Nodes.Sum(n => n.StreamTransport!.Counters.OutboundClosed["transient_idle"]) >= count);
    }

    private static HashSet<string> Peers(PlumtreeNode node) => [.. node.EagerPeers, .. node.LazyPeers];

    private static int NonPeerOutbound(PlumtreeNode node)
    {
        var peers = Peers(node);
        var streams = node.StreamTransport!;
        return streams.Peers.Count(p => !peers.Contains(p) && streams.IsConnected(p));
    }

    /// <summary>Starts a round with <paramref name="peer"/> once the node's previous round has ended (one round at a time).</summary>
    private static async Task SyncWithAsync(PlumtreeNode node, string peer)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                if (await node.SyncNowAsync(peer, Ct) == peer)
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // A round with another member is in progress.
            }

            Assert.True(TimeProvider.System.GetElapsedTime(start) < NodeCluster.WaitLimit, $"{node.Name} starts a round with {peer}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }
    }
}
