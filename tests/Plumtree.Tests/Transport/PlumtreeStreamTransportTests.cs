using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Plumtree.Transport;
using Plumtree.Wire;
using static Plumtree.Tests.Transport.TransportTestKit;
using Plumtree.Broadcast;

namespace Plumtree.Tests.Transport;

public sealed class PlumtreeStreamTransportTests
{
    [Fact]
    public async Task Frames_of_every_kind_arrive_in_order()
    {
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b");
        var id = new MessageId(5, 6);
        PlumtreeFrame[] frames =
        [
            Gossip(0), PlumtreeFrame.IHave(new[] { new IHaveEntry(id, 3) }), PlumtreeFrame.Graft(id, 2), PlumtreeFrame.Prune(),
            PlumtreeFrame.Neighbor(true), PlumtreeFrame.Disconnect(), Gossip(1),
        ];

        foreach (var frame in frames)
        {
            Assert.True(a.Send(b, frame));
        }

        var received = await b.Frames.TakeAsync(frames.Length);
        Assert.All(received, r => Assert.Equal("a", r.From));
        Assert.Equal(frames.Select(f => f.ToString()), received.Select(r => r.Frame.ToString()));
        Assert.Equal(frames[1].Entries.ToArray(), received[1].Frame.Entries.ToArray());
        Assert.Equal(1, b.Memberlist.Counters.StreamsAccepted["plumtree"]);
    }

    [Fact]
    public async Task Ten_thousand_frames_sent_in_a_burst_all_arrive_in_order()
    {
        const int count = 10_000;
        await using var a = TestNode.Start("a", o => o with { QueueCapacity = count });
        await using var b = TestNode.Start("b", o => o with { InboundFramesPerSecond = 0 });

        for (var i = 0; i < count; i++)
        {
            Assert.True(a.Send(b, Gossip(i, payloadSize: 100)));
        }

        var received = await b.Frames.TakeAsync(count);
        Assert.Equal(Enumerable.Range(0, count), received.Select(r => IndexOf(r.Frame)));
        Assert.Equal(count, a.Plumtree.Counters.FramesOut);
        Assert.Equal(count, b.Plumtree.Counters.FramesIn);
        Assert.Equal(0, a.Plumtree.Counters.Dropped.Total + b.Plumtree.Counters.Dropped.Total);
    }

    [Fact]
    public async Task Frames_go_both_ways_over_two_one_way_connections()
    {
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b");

        Assert.True(a.Send(b, Gossip(1)));
        Assert.True(b.Send(a, Gossip(2)));

        var atB = await b.Frames.NextAsync();
        var atA = await a.Frames.NextAsync();
        Assert.Equal(("a", 1), (atB.From, IndexOf(atB.Frame)));
        Assert.Equal(("b", 2), (atA.From, IndexOf(atA.Frame)));
    }

    [Fact]
    public async Task The_sender_reconnects_after_the_remote_restarts_on_the_same_port()
    {
        await using var a = TestNode.Start("a");
        var b = TestNode.Start("b");
        var port = b.EndPoint.Port;
        Assert.True(a.Send(b, Gossip(1)));
        await b.Frames.NextAsync();
        await a.WaitForConnectionAsync("b", connected: true);

        await b.DisposeAsync();
        await a.WaitForConnectionAsync("b", connected: false);
        await using var restarted = TestNode.Start("b", port: port);
        Assert.True(a.Send(restarted, Gossip(2)));
        Assert.True(a.Send(restarted, Gossip(3)));

        var received = await restarted.Frames.TakeAsync(2);
        Assert.Equal([2, 3], received.Select(r => IndexOf(r.Frame)));
        Assert.Equal(port, restarted.EndPoint.Port);
    }

    [Fact]
    public async Task Frames_queued_while_the_peer_is_down_are_sent_once_it_is_back()
    {
        var port = DeadEndPoint().Port;
        await using var a = TestNode.Start("a", o => o with { ReconnectBackoffMin = TimeSpan.FromMilliseconds(20), ReconnectBackoffMax = TimeSpan.FromMilliseconds(50), UnreachableTimeout = TimeSpan.FromMinutes(5) });

        Assert.True(a.Plumtree.Send("b", new IPEndPoint(IPAddress.Loopback, port), Gossip(1)));
        await Until(() => a.Plumtree.Counters.Errors["connect"] >= 1, "a failed to connect at least once");
        await using var b = TestNode.Start("b", port: port);

        var (_, frame) = await b.Frames.NextAsync();
        Assert.Equal(1, IndexOf(frame));
    }

    [Fact]
    public async Task Queue_overflow_drops_and_counts_frames()
    {
        await using var a = TestNode.Start("a", o => o with { QueueCapacity = 4 });
        var nowhere = Nowhere;

        var accepted = Enumerable.Range(0, 10).Count(i => a.Plumtree.Send("b", nowhere, Gossip(i)));

        Assert.Equal(4, accepted);
        Assert.Equal(6, a.Plumtree.Counters.Dropped["queue_full"]);
    }

    [Fact]
    public async Task Frames_that_wait_too_long_for_an_unreachable_peer_are_dropped_and_counted()
    {
        await using var a = TestNode.Start("a", o => o with
        {
            ReconnectBackoffMin = TimeSpan.FromMilliseconds(10),
            ReconnectBackoffMax = TimeSpan.FromMilliseconds(20),
            UnreachableTimeout = TimeSpan.FromMilliseconds(30),
        });
        var nowhere = Nowhere;

        for (var i = 0; i < 5; i++)
        {
            Assert.True(a.Plumtree.Send("b", nowhere, Gossip(i)));
        }

        await Until(() => a.Plumtree.Counters.Dropped["peer_unreachable"] == 5, "the stale frames are dropped");
        Assert.Equal(0, a.Plumtree.QueuedFrames("b"));
    }

    [Fact]
    public async Task Inbound_frames_over_the_rate_limit_are_dropped_and_counted()
    {
        // Frozen time: the bucket never refills, so exactly the burst gets through.
        var frozen = new FakeTimeProvider();
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b", o => o with { InboundFramesPerSecond = 100, InboundBurst = 5 }, time: frozen);

        for (var i = 0; i < 20; i++)
        {
            Assert.True(a.Send(b, Gossip(i)));
        }

        await Until(() => b.Frames.Received + b.Plumtree.Counters.Dropped["rate_limited"] == 20, "all 20 frames were handled");
        Assert.Equal(5, b.Frames.Received);
        Assert.Equal(15, b.Plumtree.Counters.Dropped["rate_limited"]);
        Assert.Equal([0, 1, 2, 3, 4], (await b.Frames.TakeAsync(5)).Select(r => IndexOf(r.Frame)));
    }

    [Fact]
    public async Task An_oversize_frame_is_refused_on_send()
    {
        await using var a = TestNode.Start("a", o => o with { MaxFrameSize = 1000 });
        await using var b = TestNode.Start("b");

        Assert.False(a.Send(b, Gossip(1, payloadSize: 1000)));
        Assert.True(a.Send(b, Gossip(2, payloadSize: 1000 - PlumtreeFrameCodec.GossipPrefixSize)));

        Assert.Equal(2, IndexOf((await b.Frames.NextAsync()).Frame));
        Assert.Equal(1, a.Plumtree.Counters.Dropped["too_large"]);
    }

    [Fact]
    public async Task An_oversize_frame_is_refused_on_receive_and_the_sender_recovers()
    {
        await using var a = TestNode.Start("a", o => o with { MaxFrameSize = 100_000 });
        await using var b = TestNode.Start("b", o => o with { MaxFrameSize = 1000 });

        Assert.True(a.Send(b, Gossip(1)));
        Assert.Equal(1, IndexOf((await b.Frames.NextAsync()).Frame));
        await a.WaitForConnectionAsync("b", connected: true);
        Assert.True(a.Send(b, Gossip(2, payloadSize: 5000)));
        await a.WaitForConnectionAsync("b", connected: false);
        Assert.True(a.Send(b, Gossip(3)));

        Assert.Equal(3, IndexOf((await b.Frames.NextAsync()).Frame));
        Assert.Equal(1, b.Plumtree.Counters.Dropped["too_large"]);
    }

    [Fact]
    public async Task Encrypted_streams_deliver_frames_and_accept_any_installed_key()
    {
        var k1 = Key(1);
        await using var a = TestNode.Start("a", o => o with { Keyring = k1 });
        await using var b = TestNode.Start("b", o => o with { Keyring = Key(2).Install(k1.PrimaryKey) });

        for (var i = 0; i < 50; i++)
        {
            Assert.True(a.Send(b, Gossip(i, payloadSize: 3000)));
        }

        var received = await b.Frames.TakeAsync(50);
        Assert.Equal(Enumerable.Range(0, 50), received.Select(r => IndexOf(r.Frame)));
        Assert.Equal(0, b.Plumtree.Counters.DecodeErrors.Total);
    }

    [Fact]
    public async Task A_peer_with_the_wrong_key_cannot_deliver_anything()
    {
        await using var intruder = TestNode.Start("intruder", o => o with { Keyring = Key(9) });
        await using var friend = TestNode.Start("friend", o => o with { Keyring = Key(1) });
        await using var b = TestNode.Start("b", o => o with { Keyring = Key(1) });

        Assert.True(intruder.Send(b, Gossip(1)));
        await Until(() => b.Plumtree.Counters.StreamsRefused["no_key"] == 1, "the intruder's hello is refused");
        Assert.True(friend.Send(b, Gossip(2)));

        var (from, frame) = await b.Frames.NextAsync();
        Assert.Equal(("friend", 2), (from, IndexOf(frame)));
        Assert.Equal(1, b.Frames.Received);
        Assert.Equal(1, b.Plumtree.Counters.DecodeErrors[("crypto", "no_key")]);
    }

    [Fact]
    public async Task Plaintext_and_sealed_streams_are_refused_by_the_other_kind_of_node()
    {
        await using var plain = TestNode.Start("plain");
        await using var encrypted = TestNode.Start("encrypted", o => o with { Keyring = Key(1) });

        Assert.True(plain.Send(encrypted, Gossip(1)));
        Assert.True(encrypted.Send(plain, Gossip(2)));

        await Until(() => encrypted.Plumtree.Counters.StreamsRefused["not_encrypted"] == 1, "the plaintext stream is refused");
        await Until(() => plain.Plumtree.Counters.StreamsRefused["encryption_not_configured"] == 1, "the sealed stream is refused");
        Assert.Equal(0, plain.Frames.Received + encrypted.Frames.Received);
    }

    [Fact]
    public async Task A_stream_with_the_wrong_label_is_refused()
    {
        await using var a = TestNode.Start("a", o => o with { Label = "red" });
        await using var b = TestNode.Start("b", o => o with { Label = "blue" });

        Assert.True(a.Send(b, Gossip(1)));

        await Until(() => b.Plumtree.Counters.StreamsRefused["label_mismatch"] == 1, "the stream is refused");
        Assert.Equal(0, b.Frames.Received);
    }

    [Fact]
    public async Task A_bad_frame_closes_only_that_connection()
    {
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b");
        await using var rogue = await RawStreamClient.ConnectAsync(b.EndPoint);

        await rogue.WriteAsync(PlumtreeStreamProtocol.BuildPreamble("rogue", [], null));
        await rogue.WriteAsync(new byte[] { 9, 1, 0, 0, 0, 0 });
        Assert.Equal(0, await rogue.ReadToEndAsync());
        Assert.True(a.Send(b, Gossip(1)));

        var received = await b.Frames.NextAsync();
        Assert.Equal(("a", 1), (received.From, IndexOf(received.Frame)));
        Assert.Equal(1, b.Plumtree.Counters.DecodeErrors[("plumtree", "bad_version")]);
    }

    [Fact]
    public async Task A_frame_of_an_unknown_type_is_skipped_and_the_stream_goes_on()
    {
        await using var b = TestNode.Start("b");
        await using var peer = await RawStreamClient.ConnectAsync(b.EndPoint);
        var unknown = new byte[PlumtreeFrameCodec.HeaderSize + 3];
        unknown[0] = PlumtreeFrameCodec.Version;
        unknown[1] = 99;
        BinaryPrimitives.WriteUInt32BigEndian(unknown.AsSpan(2), 3);
        var known = new byte[PlumtreeFrameCodec.GetEncodedLength(Gossip(7))];
        PlumtreeFrameCodec.Encode(Gossip(7), known, 1 << 20);

        await peer.WriteAsync(PlumtreeStreamProtocol.BuildPreamble("newer", [], null));
        await peer.WriteAsync(unknown);
        await peer.WriteAsync(known);

        var received = await b.Frames.NextAsync();
        Assert.Equal(("newer", 7), (received.From, IndexOf(received.Frame)));
        Assert.Equal(1, b.Plumtree.Counters.DecodeErrors[("plumtree", "unknown_type")]);
    }

    [Fact]
    public async Task A_connection_that_never_says_hello_is_closed_at_the_hello_timeout()
    {
        var time = new FakeTimeProvider();
        await using var b = TestNode.Start("b", time: time);
        await using var peer = await RawStreamClient.ConnectAsync(b.EndPoint);

        await peer.WriteAsync(new byte[] { TransportDefaults.PlumtreeStreamPrefix, PlumtreeStreamProtocol.ModePlain, 0, 0 });
        await Until(() => b.Plumtree.InboundConnections == 1, "the connection is handed over");
        time.Advance(b.Plumtree.Options.HelloTimeout + TimeSpan.FromSeconds(1));

        Assert.Equal(0, await peer.ReadToEndAsync());
        await Until(() => b.Plumtree.Counters.StreamsRefused["hello_timeout"] == 1, "the timeout is counted");
    }

    [Fact]
    public async Task Disconnecting_a_peer_closes_its_connections_both_ways()
    {
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b");
        Assert.True(a.Send(b, Gossip(1)));
        await b.Frames.NextAsync();
        await a.WaitForConnectionAsync("b", connected: true);

        b.Plumtree.DisconnectPeer("a");

        await a.WaitForConnectionAsync("b", connected: false);
        await Until(() => b.Plumtree.InboundConnections == 0, "b dropped a's connection");
        a.Plumtree.DisconnectPeer("b");
        Assert.DoesNotContain("b", a.Plumtree.Peers);
        Assert.True(a.Send(b, Gossip(2)));
        Assert.Equal(2, IndexOf((await b.Frames.NextAsync()).Frame));
    }

    [Fact]
    public async Task A_new_connection_from_the_same_node_replaces_the_old_one()
    {
        await using var b = TestNode.Start("b");
        await using var first = await RawStreamClient.ConnectAsync(b.EndPoint);
        await first.WriteAsync(PlumtreeStreamProtocol.BuildPreamble("a", [], null));
        await Until(() => b.Plumtree.InboundConnections == 1, "the first connection is open");
        await using var second = await RawStreamClient.ConnectAsync(b.EndPoint);

        await second.WriteAsync(PlumtreeStreamProtocol.BuildPreamble("a", [], null));

        Assert.Equal(0, await first.ReadToEndAsync());
        await Until(() => b.Plumtree.InboundConnections == 1, "only the new connection remains");
    }

    [Fact]
    public async Task After_disposal_sends_are_refused_and_connections_close()
    {
        var a = TestNode.Start("a");
        await using var b = TestNode.Start("b");
        Assert.True(a.Send(b, Gossip(1)));
        await b.Frames.NextAsync();

        await a.DisposeAsync();

        Assert.False(a.Send(b, Gossip(2)));
        await Until(() => b.Plumtree.InboundConnections == 0, "b saw the connection close");
    }

    [Fact]
    public async Task Inbound_connections_beyond_the_limit_are_refused()
    {
        await using var b = TestNode.Start("b", o => o with { MaxInboundConnections = 1 });
        await using var first = await RawStreamClient.ConnectAsync(b.EndPoint);
        await first.WriteAsync(PlumtreeStreamProtocol.BuildPreamble("a", [], null));
        await Until(() => b.Plumtree.InboundConnections == 1, "the first connection is open");
        await using var second = await RawStreamClient.ConnectAsync(b.EndPoint);

        await second.WriteAsync(PlumtreeStreamProtocol.BuildPreamble("c", [], null));

        Assert.Equal(0, await second.ReadToEndAsync());
        Assert.Equal(1, b.Plumtree.Counters.StreamsRefused["global_limit"]);
        Assert.Equal(1, b.Plumtree.InboundConnections);
    }

    [Fact]
    public async Task A_peer_that_moves_to_a_new_address_is_reached_there()
    {
        await using var a = TestNode.Start("a");
        await using var old = TestNode.Start("b");
        await using var moved = TestNode.Start("b");
        Assert.True(a.Send(old, Gossip(1)));
        await old.Frames.NextAsync();

        Assert.True(a.Send(moved, Gossip(2)));

        Assert.Equal(2, IndexOf((await moved.Frames.NextAsync()).Frame));
        await Until(() => old.Plumtree.InboundConnections == 0, "the connection to the old address is closed");
        Assert.Equal(0, old.Frames.Pending);
    }
}
