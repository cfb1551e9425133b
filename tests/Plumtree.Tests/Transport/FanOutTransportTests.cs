using System.Net;
using Plumtree.Broadcast;
using Plumtree.Transport;
using Plumtree.Wire;
using static Plumtree.Tests.Transport.TransportTestKit;

namespace Plumtree.Tests.Transport;

/// <summary>
/// One frame encoded once and queued for several peers: every peer gets the same intact bytes, and the shared
/// buffer goes back to the pool exactly once, after every queue wrote or dropped it.
/// </summary>
public sealed class FanOutTransportTests
{
    [Fact]
    public async Task Frames_encoded_once_arrive_intact_at_every_peer_and_every_buffer_is_returned()
    {
        const int count = 2_000;
        await using var a = TestNode.Start("a", o => o with { QueueCapacity = count });
        await using var b = TestNode.Start("b", o => o with { InboundFramesPerSecond = 0 });
        await using var c = TestNode.Start("c", o => o with { InboundFramesPerSecond = 0 });
        await using var d = TestNode.Start("d", o => o with { InboundFramesPerSecond = 0 });
        TestNode[] peers = [b, c, d];

        for (var i = 0; i < count; i++)
        {
            using var encoded = a.Plumtree.Encode(Patterned(i));
            foreach (var peer in peers)
            {
                Assert.True(a.Plumtree.Send(peer.Name, peer.EndPoint, encoded));
            }
        }

        foreach (var peer in peers)
        {
            var received = await peer.Frames.TakeAsync(count);
            for (var i = 0; i < count; i++)
            {
                AssertPatterned(i, received[i].Frame);
            }
        }

        await Until(() => a.Plumtree.FramePool.Outstanding == 0, "every shared frame is returned");
        Assert.Equal(count, a.Plumtree.FramePool.Rented);
        Assert.Equal(count * 3L, a.Plumtree.Counters.FramesOut);

        // Sent one at a time, a frame's buffer is back before the next is encoded: one size, one buffer.
        var allocated = a.Plumtree.FramePool.Allocated;
        for (var i = 0; i < 50; i++)
        {
            using (var encoded = a.Plumtree.Encode(Gossip(i, payloadSize: 5_000)))
            {
                Assert.True(a.Plumtree.Send("b", b.EndPoint, encoded));
                Assert.True(a.Plumtree.Send("c", c.EndPoint, encoded));
            }

            await Until(() => a.Plumtree.FramePool.Outstanding == 0, "the frame is written to both peers");
        }

        Assert.True(a.Plumtree.FramePool.Allocated - allocated <= 1, $"{a.Plumtree.FramePool.Allocated - allocated} buffers allocated for 50 frames of one size");
        Assert.Equal(50, (await b.Frames.TakeAsync(50)).Count);
    }

    [Fact]
    public async Task Frames_dropped_from_full_queues_stale_queues_and_departed_peers_give_their_references_back()
    {
        await using var a = TestNode.Start("a", o => o with
        {
            QueueCapacity = 4,
            ReconnectBackoffMin = TimeSpan.FromMilliseconds(10),
            ReconnectBackoffMax = TimeSpan.FromMilliseconds(20),
            UnreachableTimeout = TimeSpan.FromMilliseconds(30),
        });
        await using var live = TestNode.Start("live", o => o with { InboundFramesPerSecond = 0 });
        var stale = DeadEndPoint();
        var departed = DeadEndPoint();

        for (var i = 0; i < 10; i++)
        {
            using var encoded = a.Plumtree.Encode(Patterned(i));
            a.Plumtree.Send("live", live.EndPoint, encoded);
            a.Plumtree.Send("stale", stale, encoded);
            a.Plumtree.Send("departed", departed, encoded);
        }

        a.Plumtree.DisconnectPeer("departed");

        await Until(() => a.Plumtree.FramePool.Outstanding == 0, "every reference is given back");
        Assert.Equal(10, a.Plumtree.FramePool.Rented);

        // 30 sends: each was refused (queue full), written, or dropped from its queue (stale, peer left).
        var dropped = a.Plumtree.Counters.Dropped;
        await Until(
            () => a.Plumtree.Counters.FramesOut + dropped["queue_full"] + dropped["peer_unreachable"] + dropped["peer_left"] == 30,
            "every send is accounted for");
        Assert.True(dropped["queue_full"] >= 6, "the unreachable peers' queues overflowed");
        Assert.True(dropped["peer_unreachable"] + dropped["peer_left"] >= 4, "queued frames of unreachable peers were dropped");

        // The live peer got what its queue held, intact (the frames did not share their bytes with a dropped copy).
        var delivered = live.Plumtree.Counters.FramesIn;
        Assert.True(delivered >= 4);
        var received = await live.Frames.TakeAsync((int)delivered);
        Assert.All(received, r => AssertPatterned(IndexOfPatterned(r.Frame), r.Frame));
    }

    [Fact]
    public async Task Disposing_the_transport_with_frames_queued_returns_their_buffers()
    {
        var a = TestNode.Start("a", o => o with { UnreachableTimeout = TimeSpan.FromMinutes(5) });
        for (var i = 0; i < 5; i++)
        {
            using var encoded = a.Plumtree.Encode(Patterned(i));
            Assert.True(a.Plumtree.Send("x", Nowhere, encoded));
            Assert.True(a.Plumtree.Send("y", Nowhere, encoded));
        }

        Assert.Equal(5, a.Plumtree.FramePool.Outstanding);
        await a.DisposeAsync();

        Assert.Equal(0, a.Plumtree.FramePool.Outstanding);
    }

    [Fact]
    public async Task A_frame_over_the_size_limit_is_not_encoded_and_is_refused_for_every_peer()
    {
        await using var a = TestNode.Start("a", o => o with { MaxFrameSize = 1_000 });

        using var encoded = a.Plumtree.Encode(Gossip(1, payloadSize: 2_000));
        Assert.False(a.Plumtree.Send("x", Nowhere, encoded));
        Assert.False(a.Plumtree.Send("y", Nowhere, encoded));

        Assert.Equal(2, a.Plumtree.Counters.Dropped["too_large"]);
        Assert.Equal(0, a.Plumtree.FramePool.Rented);
    }

    /// <summary>A Gossip whose id and payload (length and every byte) follow from <paramref name="i"/>.</summary>
    private static PlumtreeFrame Patterned(int i)
    {
        var payload = new byte[40 + (i * 37 % 1_500)];
        BitConverter.TryWriteBytes(payload, i);
        for (var j = 4; j < payload.Length; j++)
        {
            payload[j] = (byte)((i * 31) + j);
        }

        return PlumtreeFrame.Gossip(new MessageId(9, (ulong)i + 1), 1, payload);
    }

    private static int IndexOfPatterned(PlumtreeFrame frame) => BitConverter.ToInt32(frame.Payload.Span);

    private static void AssertPatterned(int i, PlumtreeFrame frame)
    {
        var expected = Patterned(i);
        Assert.Equal(expected.Id, frame.Id);
        Assert.True(expected.Payload.Span.SequenceEqual(frame.Payload.Span), $"frame {i}: payload differs");
    }
}
