using System.Buffers.Binary;
using System.Net;
using Plumtree.Transport;
using Plumtree.Wire;
using static Plumtree.Tests.Transport.TransportTestKit;

namespace Plumtree.Tests.Transport;

/// <summary>
/// Admission of inbound Plumtree streams on real sockets (docs/transport.md, "Admission"): each rule with small
/// deadlines, what it refuses (counted by reason), and that members' streams still get through.
/// </summary>
public sealed class StreamAdmissionTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    private static byte[] Prefix => [TransportDefaults.PlumtreeStreamPrefix];

    private static byte[] Hello(string node) => PlumtreeStreamProtocol.BuildPreamble(node, [], null);

    [Fact]
    public async Task A_hello_dripped_byte_by_byte_is_closed_at_the_hello_deadline()
    {
        await using var b = TestNode.Start("b", o => o with { HelloTimeout = Short });
        await using var peer = await RawStreamClient.ConnectAsync(b.EndPoint);
        var hello = Hello("slow");

        // One byte at a time, each well inside the deadline: the deadline is for the whole hello, not per byte.
        await peer.WriteAsync(hello.AsMemory(0, 3));
        await Until(() => b.Plumtree.InboundConnections == 1, "the connection is handed over");
        var closed = peer.ReadToEndAsync();
        for (var i = 3; i < hello.Length - 1 && !closed.IsCompleted; i++)
        {
            try
            {
                await peer.WriteAsync(hello.AsMemory(i, 1));
            }
            catch (IOException)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, Ct);
        }

        Assert.Equal(0, await closed);
        await Until(() => b.Plumtree.Counters.StreamsRefused["hello_timeout"] == 1, "the hello timeout is counted");
        await Until(() => b.Plumtree.InboundConnections == 0, "the slot is given back");
    }

    [Fact]
    public async Task A_frame_that_never_completes_is_closed_at_the_frame_read_deadline()
    {
        await using var b = TestNode.Start("b", o => o with { FrameReadTimeout = Short });
        await using var peer = await RawStreamClient.ConnectAsync(b.EndPoint);
        var whole = new byte[PlumtreeFrameCodec.GetEncodedLength(Gossip(1))];
        PlumtreeFrameCodec.Encode(Gossip(1), whole, 1 << 20);
        var header = new byte[16];
        header[0] = PlumtreeFrameCodec.Version;
        header[1] = whole[1];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(2), 60_000); // declares 60 KB, sends 10 bytes

        await peer.WriteAsync(Hello("a"));
        await peer.WriteAsync(whole);
        await b.Frames.NextAsync();
        await peer.WriteAsync(header);

        Assert.Equal(0, await peer.ReadToEndAsync());
        await Until(() => b.Plumtree.Counters.StreamsRefused["read_timeout"] == 1, "the read timeout is counted");
        Assert.Equal(0, b.Plumtree.Counters.StreamsRefused["idle"]);
    }

    [Fact]
    public async Task A_busy_stream_outlives_the_frame_read_deadline()
    {
        var deadline = TimeSpan.FromMilliseconds(500);
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b", o => o with { FrameReadTimeout = deadline, InboundFramesPerSecond = 0 });

        // Frames stream in for several read deadlines: every complete frame restarts it.
        var sent = 0;
        var start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < deadline * 4)
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.True(a.Send(b, Gossip(sent++, payloadSize: 2000)));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }

        var received = await b.Frames.TakeAsync(sent);
        Assert.Equal(sent, received.Count);
        Assert.Equal(0, b.Plumtree.Counters.StreamsRefused.Total);
        Assert.Equal(1, b.Memberlist.Counters.StreamsAccepted["plumtree"]);
    }

    [Fact]
    public async Task A_stream_that_carries_nothing_is_closed_at_the_idle_timeout()
    {
        await using var b = TestNode.Start("b", o => o with { IdleTimeout = Short });
        await using var peer = await RawStreamClient.ConnectAsync(b.EndPoint);

        await peer.WriteAsync(Hello("a"));
        await Until(() => b.Plumtree.InboundConnections == 1, "the stream is open");

        Assert.Equal(0, await peer.ReadToEndAsync());
        await Until(() => b.Plumtree.Counters.StreamsRefused["idle"] == 1, "the idle close is counted");
    }

    [Fact]
    public async Task A_sender_closes_its_idle_stream_first_and_reconnects_on_the_next_frame()
    {
        var idle = TimeSpan.FromSeconds(2); // the sender closes at 1 s, a second before the receiver would
        await using var a = TestNode.Start("a", o => o with { IdleTimeout = idle });
        await using var b = TestNode.Start("b", o => o with { IdleTimeout = idle });
        Assert.True(a.Send(b, Gossip(1)));
        await b.Frames.NextAsync();
        await a.WaitForConnectionAsync("b", connected: true);

        // Half the idle timeout later the sender closes its own stream: the receiver never has to.
        await a.WaitForConnectionAsync("b", connected: false);
        Assert.True(a.Send(b, Gossip(2)));

        Assert.Equal(2, IndexOf((await b.Frames.NextAsync()).Frame));
        Assert.Equal(0, b.Plumtree.Counters.StreamsRefused["idle"]);
        Assert.Equal(0, a.Plumtree.Counters.Dropped.Total);
        Assert.Equal(2, b.Memberlist.Counters.StreamsAccepted["plumtree"]);
    }

    [Fact]
    public async Task A_stream_to_a_node_that_is_not_an_overlay_peer_closes_after_the_transient_idle_timeout()
    {
        // Idle timeout 10 min (the sender would close at 5 min); the transient limit is 300 ms.
        await using var a = TestNode.Start("a", o => o with { TransientIdleTimeout = Short });
        await using var peer = TestNode.Start("peer");
        await using var other = TestNode.Start("other");
        a.Plumtree.IsOverlayPeer = node => node == "peer";
        Assert.True(a.Send(peer, Gossip(1)));
        Assert.True(a.Send(other, Gossip(2)));
        await peer.Frames.NextAsync();
        await other.Frames.NextAsync();

        // The one-off stream closes at the sender (the receiver sees its end); the overlay peer's stays open.
        await a.WaitForConnectionAsync("other", connected: false);
        await Until(() => other.Plumtree.InboundConnections == 0, "the receiver's end closes too");
        Assert.True(a.Plumtree.IsConnected("peer"));
        Assert.Equal(1, peer.Plumtree.InboundConnections);
        Assert.Equal(1, a.Plumtree.OutboundConnections);
        Assert.Equal(1, a.Plumtree.Counters.OutboundClosed["transient_idle"]);

        // Nothing was lost, and the next frame reconnects.
        Assert.True(a.Send(other, Gossip(3)));
        Assert.Equal(3, IndexOf((await other.Frames.NextAsync()).Frame));
        Assert.Equal(0, a.Plumtree.Counters.Dropped.Total);
        Assert.Equal(0, other.Plumtree.Counters.StreamsRefused.Total);
        Assert.Equal(2, other.Memberlist.Counters.StreamsAccepted["plumtree"]);
    }

    [Fact]
    public async Task A_stream_to_a_peer_that_leaves_the_overlay_closes_after_the_transient_idle_timeout()
    {
        var isPeer = true;
        await using var a = TestNode.Start("a", o => o with { TransientIdleTimeout = Short });
        await using var b = TestNode.Start("b");
        a.Plumtree.IsOverlayPeer = _ => Volatile.Read(ref isPeer);
        Assert.True(a.Send(b, Gossip(1)));
        await b.Frames.NextAsync();
        await a.WaitForConnectionAsync("b", connected: true);

        // Still a peer for several transient limits: the stream stays. Then it leaves the overlay: the stream closes.
        await Task.Delay(Short * 4, TimeProvider.System, Ct);
        Assert.True(a.Plumtree.IsConnected("b"));
        Volatile.Write(ref isPeer, false);
        await a.WaitForConnectionAsync("b", connected: false);
        Assert.Equal(1, a.Plumtree.Counters.OutboundClosed["transient_idle"]);
    }

    [Fact]
    public async Task Pending_streams_are_limited_per_address_and_a_member_from_that_address_still_gets_in()
    {
        await using var b = TestNode.Start("b", o => o with { MaxPendingPerAddress = 2 });
        var local = IPAddress.Parse("127.0.0.1");
        await using var h1 = await RawStreamClient.ConnectAsync(b.EndPoint, local);
        await h1.WriteAsync(Prefix);
        await Until(() => b.Plumtree.InboundConnections == 1, "the first half-open stream is held");
        await using var h2 = await RawStreamClient.ConnectAsync(b.EndPoint, local);
        await h2.WriteAsync(Prefix);
        await Until(() => b.Plumtree.InboundConnections == 2, "the second half-open stream is held");

        // A third from the same address evicts the oldest; another address is not affected.
        await using var h3 = await RawStreamClient.ConnectAsync(b.EndPoint, local);
        await h3.WriteAsync(Prefix);
        Assert.Equal(0, await h1.ReadToEndAsync());
        await using var other = await RawStreamClient.ConnectAsync(b.EndPoint, IPAddress.Parse("127.0.0.2"));
        await other.WriteAsync(Prefix);
        await Until(() => b.Plumtree.InboundConnections == 3, "h2, h3 and the other address's stream are held");
        Assert.Equal(1, b.Plumtree.Counters.StreamsRefused["per_source_limit"]);

        // A member's stream from the limited address: it evicts a half-open one and, once its hello is in, no
        // longer counts as pending, so it stays.
        await using var a = TestNode.Start("a");
        Assert.True(a.Send(b, Gossip(1)));
        var received = await b.Frames.NextAsync();
        Assert.Equal("a", received.From);
        Assert.Equal(0, await h2.ReadToEndAsync());
        await using var h4 = await RawStreamClient.ConnectAsync(b.EndPoint, local);
        await h4.WriteAsync(Prefix);
        await Until(() => b.Plumtree.InboundConnections == 4, "a's stream and three half-open ones (two from the limited address) are held");
        await using var h5 = await RawStreamClient.ConnectAsync(b.EndPoint, local);
        await h5.WriteAsync(Prefix);
        Assert.Equal(0, await h3.ReadToEndAsync());
        Assert.True(a.Send(b, Gossip(2)));
        Assert.Equal(2, IndexOf((await b.Frames.NextAsync()).Frame));
        Assert.True(a.Plumtree.IsConnected("b"));
        Assert.Equal(3, b.Plumtree.Counters.StreamsRefused["per_source_limit"]);
    }

    [Fact]
    public async Task A_hello_from_a_sender_membership_does_not_know_is_refused_after_the_grace()
    {
        await using var b = TestNode.Start("b", o => o with { UnknownSenderGrace = Short });
        b.Plumtree.IsKnownSender = name => name == "a";
        await using var mallory = await RawStreamClient.ConnectAsync(b.EndPoint);
        var frame = new byte[PlumtreeFrameCodec.GetEncodedLength(Gossip(9))];
        PlumtreeFrameCodec.Encode(Gossip(9), frame, 1 << 20);

        await mallory.WriteAsync(Hello("mallory"));
        await mallory.WriteAsync(frame);

        Assert.Equal(0, await mallory.ReadToEndAsync());
        await Until(() => b.Plumtree.Counters.StreamsRefused["unknown_sender"] == 1, "the refusal is counted");
        await Until(() => b.Plumtree.InboundConnections == 0, "the slot is given back");
        Assert.Equal(0, b.Frames.Received);
    }

    [Fact]
    public async Task A_sender_that_membership_learns_within_the_grace_loses_nothing()
    {
        await using var b = TestNode.Start("b", o => o with { UnknownSenderGrace = TimeSpan.FromSeconds(30) });
        var known = new HashSet<string>(StringComparer.Ordinal);
        b.Plumtree.IsKnownSender = name =>
        {
            lock (known)
            {
                return known.Contains(name);
            }
        };
        await using var a = TestNode.Start("a");

        // The joiner's stream arrives before its alive gossip: held, unread.
        Assert.True(a.Send(b, Gossip(1)));
        Assert.True(a.Send(b, Gossip(2)));
        await Until(() => b.Plumtree.InboundConnections == 1, "the stream is held");
        Assert.Equal(0, b.Frames.Received);

        lock (known)
        {
            known.Add("a");
        }

        b.Plumtree.SendersChanged();
        var received = await b.Frames.TakeAsync(2);
        Assert.Equal([1, 2], received.Select(r => IndexOf(r.Frame)));
        Assert.Equal(0, b.Plumtree.Counters.StreamsRefused.Total);
    }

    [Fact]
    public async Task At_the_global_limit_new_streams_evict_pending_ones_never_a_members_live_stream()
    {
        await using var b = TestNode.Start("b", o => o with { MaxInboundConnections = 3 });
        await using var a = TestNode.Start("a");
        Assert.True(a.Send(b, Gossip(1)));
        await b.Frames.NextAsync();
        var hostile = new List<RawStreamClient>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var h = await RawStreamClient.ConnectAsync(b.EndPoint, IPAddress.Parse($"127.0.0.{2 + (i % 3)}"));
                hostile.Add(h);
                await h.WriteAsync(Prefix);
            }

            // Six half-open streams against two free slots: each new one evicted an older one.
            await Until(() => b.Plumtree.Counters.StreamsRefused["evicted"] == 4, "four half-open streams are evicted");
            Assert.Equal(3, b.Plumtree.InboundConnections);

            // Another member comes in: it evicts a half-open stream, and a's stream is untouched.
            await using var c = TestNode.Start("c");
            Assert.True(c.Send(b, Gossip(3)));
            Assert.Equal("c", (await b.Frames.NextAsync()).From);
            Assert.True(a.Send(b, Gossip(2)));
            Assert.Equal(("a", 2), await NextFromAsync(b));
            Assert.Equal(5, b.Plumtree.Counters.StreamsRefused["evicted"]);

            // Every slot a member's live stream or the newest half-open one: the next half-open one evicts that one;
            // with only members left, a new stream is refused rather than a member's dropped.
            var last = await RawStreamClient.ConnectAsync(b.EndPoint, IPAddress.Parse("127.0.0.9"));
            hostile.Add(last);
            await last.WriteAsync(Prefix);
            await Until(() => b.Plumtree.Counters.StreamsRefused["evicted"] == 6, "the last half-open stream is evicted");
            await using var d = TestNode.Start("d");
            Assert.True(d.Send(b, Gossip(4)));
            Assert.Equal(("d", 4), await NextFromAsync(b));
            var refused = await RawStreamClient.ConnectAsync(b.EndPoint, IPAddress.Parse("127.0.0.10"));
            hostile.Add(refused);
            await refused.WriteAsync(Prefix);
            Assert.Equal(0, await refused.ReadToEndAsync());
            Assert.Equal(1, b.Plumtree.Counters.StreamsRefused["global_limit"]);
            Assert.True(a.Plumtree.IsConnected("b"));
            Assert.True(c.Plumtree.IsConnected("b"));
        }
        finally
        {
            foreach (var h in hostile)
            {
                await h.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_peer_that_refuses_every_stream_is_reported_failing()
    {
        await using var a = TestNode.Start("a", o => o with { ReconnectBackoffMin = TimeSpan.FromMilliseconds(10), ReconnectBackoffMax = TimeSpan.FromMilliseconds(50) });
        await using var b = TestNode.Start("b", o => o with { UnknownSenderGrace = TimeSpan.Zero });
        b.Plumtree.IsKnownSender = _ => false;
        await using var c = TestNode.Start("c");

        // b takes the connection and closes it at the hello: the dial works, the stream never does.
        var i = 0;
        await Until(
            () =>
            {
                a.Send(b, Gossip(i++));
                return a.Plumtree.FailingPeers(3, TimeSpan.FromMinutes(1)).Contains("b");
            },
            "b is reported failing");
        Assert.True(b.Plumtree.Counters.StreamsRefused["unknown_sender"] >= 3);

        Assert.True(a.Send(c, Gossip(1)));
        await c.Frames.NextAsync();
        Assert.DoesNotContain("c", a.Plumtree.FailingPeers(3, TimeSpan.FromMinutes(1)));
        Assert.DoesNotContain("b", a.Plumtree.FailingPeers(1, TimeSpan.FromTicks(1)));
    }

    [Theory]
    [InlineData(nameof(PlumtreeStreamOptions.MaxPendingPerAddress))]
    [InlineData(nameof(PlumtreeStreamOptions.FrameReadTimeout))]
    [InlineData(nameof(PlumtreeStreamOptions.IdleTimeout))]
    [InlineData(nameof(PlumtreeStreamOptions.UnknownSenderGrace))]
    [InlineData(nameof(PlumtreeStreamOptions.HelloTimeout))]
    [InlineData(nameof(PlumtreeStreamOptions.TransientIdleTimeout))]
    public void Bad_admission_options_are_refused_naming_the_option(string option)
    {
        var valid = new PlumtreeStreamOptions { NodeName = "n" };
        var bad = option switch
        {
            nameof(PlumtreeStreamOptions.MaxPendingPerAddress) => valid with { MaxPendingPerAddress = 0 },
            nameof(PlumtreeStreamOptions.FrameReadTimeout) => valid with { FrameReadTimeout = TimeSpan.Zero },
            nameof(PlumtreeStreamOptions.IdleTimeout) => valid with { IdleTimeout = TimeSpan.FromDays(2) },
            nameof(PlumtreeStreamOptions.UnknownSenderGrace) => valid with { UnknownSenderGrace = TimeSpan.FromSeconds(-1) },
            nameof(PlumtreeStreamOptions.TransientIdleTimeout) => valid with { TransientIdleTimeout = TimeSpan.Zero },
            _ => valid with { HelloTimeout = TimeSpan.Zero },
        };

        valid.Validate();
        Assert.Equal(option, Assert.Throws<ArgumentException>(bad.Validate).ParamName);
    }

    [Fact]
    public void Bad_node_stream_options_are_reported_with_their_keys()
    {
        var options = new Plumtree.Node.PlumtreeNodeOptions
        {
            NodeName = "n",
            Streams = new Plumtree.Node.StreamOptions { MaxPendingPerAddress = 0, HelloTimeout = TimeSpan.Zero, IdleTimeout = TimeSpan.FromDays(2), TransientIdleTimeout = TimeSpan.Zero, HealthFailureThreshold = 0 },
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Streams.MaxPendingPerAddress:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Streams.HelloTimeout:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Streams.IdleTimeout:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Streams.TransientIdleTimeout:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Streams.HealthFailureThreshold:", StringComparison.Ordinal));
        Assert.Empty(new Plumtree.Node.PlumtreeNodeOptions { NodeName = "n" }.Validate());
    }

    private static async Task<(string From, int Index)> NextFromAsync(TestNode node)
    {
        var (from, frame) = await node.Frames.NextAsync();
        return (from, IndexOf(frame));
    }
}
