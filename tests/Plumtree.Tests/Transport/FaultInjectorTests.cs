using System.Net;
using Microsoft.Extensions.Time.Testing;
using Plumtree.Testing;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;
using static Plumtree.Tests.Transport.TransportTestKit;
using Plumtree.Broadcast;

namespace Plumtree.Tests.Transport;

public sealed class FaultInjectorTests
{
    private static readonly byte[] AckBytes = MessageCodec.Encode(new Ack(1));

    [Fact]
    public async Task Full_loss_drops_every_frame_and_datagram_and_counts_them()
    {
        var injector = new FaultInjector(1) { LossProbability = 1.0 };
        await using var a = TestNode.Start("a", interceptor: injector);
        await using var b = TestNode.Start("b");
        var packets = new PacketSink();
        b.Memberlist.PacketReceived = packets.Handler;

        Assert.False(a.Send(b, Gossip(1)));
        await a.Memberlist.SendPacketAsync(b.EndPoint, AckBytes, crc: false, Ct);
        injector.LossProbability = 0;
        Assert.True(a.Send(b, Gossip(2)));
        await a.Memberlist.SendPacketAsync(b.EndPoint, AckBytes, crc: false, Ct);

        Assert.Equal(2, IndexOf((await b.Frames.NextAsync()).Frame));
        await packets.NextAsync();
        Assert.Equal(2, injector.Dropped);
        Assert.Equal(1, a.Plumtree.Counters.Dropped["fault_injected"]);
        Assert.Equal(1, a.Memberlist.Counters.Dropped["fault_injected"]);
        Assert.Equal(1, b.Memberlist.Counters.DatagramsIn);
    }

    [Fact]
    public async Task Partial_loss_follows_the_seeded_probability()
    {
        ITransportInterceptor injector = new FaultInjector(42) { LossProbability = 0.5 };
        var route = new TransportRoute("a", null, "b", new IPEndPoint(IPAddress.Loopback, 1));

        var dropped = Enumerable.Range(0, 1000).Count(_ => injector.Intercept(TransportChannel.PlumtreeFrame, route, 10).Action == InterceptAction.Drop);
        ITransportInterceptor again = new FaultInjector(42) { LossProbability = 0.5 };
        var droppedAgain = Enumerable.Range(0, 1000).Count(_ => again.Intercept(TransportChannel.PlumtreeFrame, route, 10).Action == InterceptAction.Drop);

        Assert.InRange(dropped, 400, 600);
        Assert.Equal(dropped, droppedAgain);
        Assert.Equal(InterceptAction.Pass, injector.Intercept(TransportChannel.MemberlistStream, route, 0).Action);
    }

    [Fact]
    public async Task Delayed_frames_wait_for_the_clock_and_keep_their_order()
    {
        var time = new FakeTimeProvider();
        var injector = new FaultInjector(1) { Delay = TimeSpan.FromHours(1) };
        await using var a = TestNode.Start("a", time: time, interceptor: injector);
        await using var b = TestNode.Start("b");

        for (var i = 0; i < 5; i++)
        {
            Assert.True(a.Send(b, Gossip(i)));
        }

        await a.WaitForConnectionAsync("b", connected: true);
        Assert.Equal(0, b.Frames.Received);
        await Until(
            () =>
            {
                time.Advance(TimeSpan.FromHours(1));
                return b.Frames.Received == 5;
            },
            "the delayed frames arrive");

        Assert.Equal(Enumerable.Range(0, 5), (await b.Frames.TakeAsync(5)).Select(r => IndexOf(r.Frame)));
        Assert.Equal(5, injector.Delayed);
    }

    [Fact]
    public async Task A_delayed_datagram_is_sent_when_the_clock_reaches_it()
    {
        var time = new FakeTimeProvider();
        var injector = new FaultInjector(1) { Delay = TimeSpan.FromMinutes(1) };
        await using var a = StartMemberlist(Options("a"), time, injector);
        await using var b = StartMemberlist(Options("b"));
        var packets = new PacketSink();
        b.PacketReceived = packets.Handler;

        await a.SendPacketAsync(b.LocalEndPoint, AckBytes, crc: false, Ct);
        Assert.Equal(0, a.Counters.DatagramsOut);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(new Ack(1), Assert.Single((await packets.NextAsync()).Packet.Messages));
        Assert.Equal(1, injector.Delayed);
    }

    [Fact]
    public async Task A_partition_cuts_frames_and_datagrams_between_its_sides_until_healed()
    {
        var injector = new FaultInjector(1);
        await using var a = TestNode.Start("a", interceptor: injector);
        await using var b = TestNode.Start("b", interceptor: injector);
        await using var c = TestNode.Start("c", interceptor: injector);
        foreach (var node in new[] { a, b, c })
        {
            injector.Register(node.Name, node.EndPoint);
        }

        var bPackets = new PacketSink();
        var cPackets = new PacketSink();
        b.Memberlist.PacketReceived = bPackets.Handler;
        c.Memberlist.PacketReceived = cPackets.Handler;

        injector.Partition(["a"], ["b"]);
        Assert.False(a.Send(b, Gossip(1)));
        Assert.False(b.Send(a, Gossip(1)));
        Assert.True(a.Send(c, Gossip(2)));
        await a.Memberlist.SendPacketAsync(b.EndPoint, AckBytes, crc: false, Ct);
        await a.Memberlist.SendPacketAsync(c.EndPoint, AckBytes, crc: false, Ct);
        Assert.Equal(2, IndexOf((await c.Frames.NextAsync()).Frame));
        await cPackets.NextAsync();

        injector.Heal();
        Assert.True(a.Send(b, Gossip(3)));
        await a.Memberlist.SendPacketAsync(b.EndPoint, AckBytes, crc: false, Ct);

        Assert.Equal(3, IndexOf((await b.Frames.NextAsync()).Frame));
        await bPackets.NextAsync();
        Assert.Equal(1, b.Memberlist.Counters.DatagramsIn);
        Assert.Equal(3, injector.Partitioned);
    }

    [Fact]
    public void Isolation_cuts_a_node_from_everyone_and_partitions_match_names_or_addresses()
    {
        var injector = new FaultInjector(1);
        injector.Isolate("x");
        injector.Partition(["a", "127.0.0.1:1000"], ["b"]);

        Assert.True(injector.IsCut("x", "a"));
        Assert.True(injector.IsCut("a", "x"));
        Assert.True(injector.IsCut("127.0.0.1:1000", "b"));
        Assert.True(injector.IsCut("b", "a"));
        Assert.False(injector.IsCut("a", "c"));
        Assert.False(injector.IsCut("a", "a"));
        injector.Heal();
        Assert.False(injector.IsCut("x", "a"));
    }
}
