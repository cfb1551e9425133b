using System.Net;
using System.Net.Sockets;
using Plumtree.Broadcast;
using Plumtree.Diagnostics;
using Plumtree.Node;
using Plumtree.Wire;

namespace Plumtree.Tests.Node;

/// <summary>
/// Stream admission on real nodes: the slot-exhaustion attack of issue 13 (finding 1) as a test, the sender check
/// against membership, the refusals in <c>plumtree_connections_refused_total</c>, and the <c>streams</c> health check.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class NodeAdmissionTests
{
    private static CancellationToken Ct => NodeCluster.Ct;

    [Fact]
    public async Task Eleven_hundred_held_connections_on_two_nodes_do_not_stop_a_new_node_delivering_every_broadcast()
    {
        const int hostilePerNode = 1100;
        const int addresses = 70; // 70 × 16 pending per address > 1,024 slots: the global limit is what binds
        const int messages = 200;

        // The attack streams stay held for the whole test: a long unknown-sender grace (they are not members).
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => o.Streams = new StreamOptions
        {
            UnknownSenderGrace = TimeSpan.FromMinutes(2),
        });
        var targets = cluster.Nodes.ToList();
        var hostile = new List<Socket>();
        try
        {
            foreach (var target in targets)
            {
                for (var i = 0; i < hostilePerNode; i += 50)
                {
                    var batch = Enumerable.Range(i, Math.Min(50, hostilePerNode - i))
                        .Select(k => OpenHostileAsync(target.AdvertisedEndPoint, IPAddress.Parse($"127.0.0.{2 + (k % addresses)}"), k));
                    hostile.AddRange(await Task.WhenAll(batch));
                }
            }

            // Every slot on both nodes is taken before the new node comes.
            foreach (var target in targets)
            {
                await NodeCluster.Until(() => target.StreamTransport!.InboundConnections >= 1000, $"{target.Name} holds the attack streams");
            }

            var newcomer = await cluster.AddAsync(NodeCluster.Options($"{cluster.Prefix}-new", cluster.Interceptor), join: true);
            await cluster.WaitConvergedAsync();
            var ids = new List<MessageId>();
            for (var i = 0; i < messages; i++)
            {
                ids.Add(await cluster.BroadcastAsync(newcomer, i));
            }

            await cluster.WaitDeliveredAsync(ids, targets);
            Assert.All(targets, t => Assert.Equal(messages, ids.Count(cluster.Deliveries[t.Name].ContainsKey)));

            foreach (var target in targets)
            {
                using var metrics = new MetricsProbe(target.Name);
                var refused = metrics.Observe();
                var evicted = refused.GetValueOrDefault($"{MetricNames.ConnectionsRefused}{{reason=evicted}}");
                Assert.True(evicted >= hostilePerNode - target.StreamTransport!.Options.MaxInboundConnections, $"{target.Name}: evicted {evicted}");
                Assert.True(target.StreamTransport!.InboundConnections <= target.StreamTransport.Options.MaxInboundConnections);
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"{target.Name}: delivered {ids.Count(cluster.Deliveries[target.Name].ContainsKey)}/{messages}, inbound {target.StreamTransport.InboundConnections}, refused "
                    + string.Join(" ", refused.Where(r => r.Key.StartsWith(MetricNames.ConnectionsRefused, StringComparison.Ordinal)).Select(r => $"{r.Key[MetricNames.ConnectionsRefused.Length..]}={r.Value}")));
            }

            Assert.NotEqual(HealthStatus.Degraded, newcomer.GetHealth().Checks["streams"].Status);
        }
        finally
        {
            foreach (var socket in hostile)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_stream_naming_a_non_member_is_refused_and_counted()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => o.Streams = new StreamOptions { UnknownSenderGrace = TimeSpan.FromMilliseconds(300) });
        var target = cluster.Nodes[0];
        using var socket = await OpenHostileAsync(target.AdvertisedEndPoint, IPAddress.Loopback, 0);
        using var metrics = new MetricsProbe(target.Name);

        await NodeCluster.Until(
            () => metrics.Value($"{MetricNames.ConnectionsRefused}{{reason=unknown_sender}}") == 1,
            "the intruder's stream is refused as unknown_sender");

        // Members still talk.
        var id = await cluster.BroadcastAsync(cluster.Nodes[1], 1);
        await cluster.WaitDeliveredAsync([id]);
    }

    [Fact]
    public async Task A_node_whose_streams_are_refused_by_its_peers_is_degraded_until_they_accept_again()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => o.Streams = new StreamOptions { UnknownSenderGrace = TimeSpan.Zero });
        var (sender, receiver) = (cluster.Nodes[0], cluster.Nodes[1]);
        Assert.Equal(HealthStatus.Healthy, sender.GetHealth().Status);

        // The receiver refuses every stream, as a node whose slots an attacker holds did before admission.
        receiver.StreamTransport!.IsKnownSender = _ => false;
        receiver.StreamTransport.DisconnectPeer(sender.Name); // the stream already open goes; the next ones are refused
        var i = 0;
        await NodeCluster.Until(
            () =>
            {
                _ = cluster.BroadcastAsync(sender, i++);
                return sender.GetHealth().Checks["streams"].Status == HealthStatus.Degraded;
            },
            () => "the sender reports its failing streams: " + sender.GetHealth().Message);
        var health = sender.GetHealth();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains(receiver.Name, health.Checks["streams"].Description, StringComparison.Ordinal);

        // Accepted again: the next stream stays up and the check clears.
        receiver.StreamTransport.IsKnownSender = null;
        await NodeCluster.Until(
            () =>
            {
                _ = cluster.BroadcastAsync(sender, i++);
                return sender.GetHealth().Checks["streams"].Status == HealthStatus.Healthy;
            },
            () => "the check clears: " + sender.GetHealth().Message);
    }

    /// <summary>
    /// One attack connection from <paramref name="from"/>, as in the issue: <c>'P' 00</c> and a complete hello naming a
    /// non-member (which the node held forever before admission), then held.
    /// </summary>
    private static async Task<Socket> OpenHostileAsync(IPEndPoint to, IPAddress from, int index)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(to, Ct).AsTask().WaitAsync(NodeCluster.WaitLimit, Ct);
            var preamble = PlumtreeStreamProtocol.BuildPreamble($"intruder-{index}", [], null);
            await socket.SendAsync(preamble, SocketFlags.None, Ct).AsTask().WaitAsync(NodeCluster.WaitLimit, Ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
