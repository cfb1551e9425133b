using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// Parking (BroadcastEngine.Parking.cs): frames from a sender outside the view are held until a view that
/// includes it is set, then processed in arrival order; else dropped after ParkTime and counted as from an
/// unknown sender. Bounded by MaxParkedSenders and MaxParkedFramesPerSender.
/// </summary>
public sealed class ParkingTests
{
    private static readonly string[] Members = [SelfName, "a", "b", "c", "d"];

    private static EngineFixture Engine(BroadcastOptions? options = null) =>
        Create(options ?? Plain(2, 3), eager: ["a", "b"], lazy: ["c", "d"]);

    private static PeerView With(params string[] joiners) => PeerView.Create([.. Members, .. joiners]);

    [Fact]
    public void Frames_from_an_unknown_sender_are_held_and_processed_in_arrival_order_when_the_view_adds_it()
    {
        var f = Engine();
        var entries = new[] { new IHaveEntry(Id(2), 1) };
        f.Engine.Receive("j", PlumtreeFrame.Neighbor(highPriority: false), Ms(10));
        f.Engine.Receive("j", PlumtreeFrame.IHave(entries), Ms(20));
        entries[0] = new IHaveEntry(Id(99), 1); // the sender's buffer is reused: the engine kept its own copy
        f.Gossip("j", 1, hop: 1, Ms(30));

        Assert.Empty(f.Output.Sent);
        Assert.Empty(f.Output.Delivered);
        Assert.Equal((3L, 0L), (f.Engine.Counters.FramesParked, f.Engine.Counters.UnknownSender));

        f.Engine.SetView(With("j"), Ms(100));

        // Neighbor first made j a peer (so it was not asked back), then the IHave, then the Gossip.
        Assert.Contains("j", f.Peers());
        Assert.DoesNotContain("j: Neighbor", f.Output.Lines);
        Assert.Equal([(Id(1), "j")], f.Output.Delivered.Select(d => (d.Id, d.From!)));
        Assert.Equal((3L, 0L, 0L), (f.Engine.Counters.FramesReleased, f.Engine.Counters.ParkExpired, f.Engine.Counters.UnknownSender));
        f.Output.Clear();
        f.RunTimersUntil(Ms(400));
        Assert.Equal(["j: Graft m2 hop 1"], f.Grafts()); // timeout1 from the release
    }

    [Fact]
    public void Held_frames_keep_their_order_so_a_Neighbor_then_Disconnect_leaves_no_link()
    {
        var f = Engine(Plain(2, 3) with { NeighborRefusalTtl = TimeSpan.FromSeconds(30) }); // so the fill does not ask j again
        f.Engine.Receive("j", PlumtreeFrame.Neighbor(highPriority: false), Ms(10));
        f.Engine.Receive("j", PlumtreeFrame.Disconnect(), Ms(20));

        f.Engine.SetView(With("j"), Ms(100));

        Assert.DoesNotContain("j", f.Peers());
        Assert.Equal(2L, f.Engine.Counters.FramesReleased);
    }

    [Fact]
    public void Held_frames_expire_after_ParkTime_and_are_then_counted_as_from_an_unknown_sender()
    {
        var f = Engine(Plain(2, 3) with { ParkTime = TimeSpan.FromSeconds(5) });
        f.Engine.Receive("j", PlumtreeFrame.Neighbor(highPriority: false), Ms(10));
        f.IHave("j", Ms(10), (2, 1));
        f.Engine.Receive("j", PlumtreeFrame.Disconnect(), Ms(10));
        f.Gossip("j", 1, hop: 1, Ms(3000));
        f.RunTimersUntil(Ms(5000));
        Assert.Equal((0L, 0L), (f.Engine.Counters.ParkExpired, f.Engine.Counters.UnknownSender));

        f.RunTimersUntil(Ms(5010));
        Assert.Equal((3L, 2L), (f.Engine.Counters.ParkExpired, f.Engine.Counters.UnknownSender)); // Disconnect is not counted as unknown

        f.RunTimersUntil(Ms(8000));
        Assert.Equal((4L, 3L), (f.Engine.Counters.ParkExpired, f.Engine.Counters.UnknownSender));

        f.Engine.SetView(With("j"), Ms(9000)); // too late: nothing is left to release
        Assert.Equal(0L, f.Engine.Counters.FramesReleased);
        Assert.Empty(f.Output.Delivered); // the held Gossip is gone
    }

    [Fact]
    public void At_most_MaxParkedSenders_senders_and_MaxParkedFramesPerSender_frames_each_are_held_the_rest_dropped_at_once()
    {
        var f = Engine(Plain(2, 3) with { MaxParkedSenders = 2, MaxParkedFramesPerSender = 2 });
        foreach (var sender in new[] { "x", "y", "z" })
        {
            for (var i = 0; i < 3; i++)
            {
                f.Prune(sender, Ms(10));
            }
        }

        Assert.Equal((4L, 5L), (f.Engine.Counters.FramesParked, f.Engine.Counters.UnknownSender)); // x and y: 2 each; z: none

        f.Engine.SetView(With("x", "y", "z"), Ms(20));
        Assert.Equal((4L, 0L), (f.Engine.Counters.FramesReleased, f.Engine.Counters.ParkExpired));
    }

    [Fact]
    public void Only_the_senders_the_new_view_includes_are_released()
    {
        var f = Engine();
        f.Prune("x", Ms(10));
        f.Prune("y", Ms(10));

        f.Engine.SetView(With("x"), Ms(20));
        Assert.Equal(1L, f.Engine.Counters.FramesReleased);

        f.RunTimersUntil(Ms(5010));
        Assert.Equal((1L, 1L), (f.Engine.Counters.ParkExpired, f.Engine.Counters.UnknownSender)); // y's frame
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(5000, 0)]
    public void Parking_off_drops_frames_from_unknown_senders_at_once(int parkMs, int maxSenders)
    {
        var f = Engine(Plain(2, 3) with { ParkTime = Ms(parkMs), MaxParkedSenders = maxSenders });
        f.Engine.Receive("j", PlumtreeFrame.Neighbor(highPriority: false), Ms(10));

        f.Engine.SetView(With("j"), Ms(20));

        Assert.Equal((0L, 1L), (f.Engine.Counters.FramesParked, f.Engine.Counters.UnknownSender));
        Assert.Equal(0L, f.Engine.Counters.FramesReleased);
    }

    [Fact]
    public void Frames_claiming_to_come_from_this_node_are_never_held()
    {
        var f = Engine();
        f.Gossip(SelfName, 1, hop: 1, Ms(10));

        Assert.Equal((0L, 1L), (f.Engine.Counters.FramesParked, f.Engine.Counters.UnknownSender));
    }
}
