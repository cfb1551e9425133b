using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

public sealed class IHaveBatchingTests
{
    [Fact]
    public void Announcements_wait_for_the_interval_after_the_first_pending_entry_then_go_in_one_frame_per_lazy_peer()
    {
        var f = Create(Plain(1, 2) with { IHaveInterval = Ms(50), IHaveBatchSize = 64 }, eager: ["a"], lazy: ["c", "d"]);

        f.Engine.Broadcast(Id(1), Payload(), Ms(10));
        f.Gossip("a", 2, hop: 3, Ms(30));
        f.Gossip("c", 3, hop: 1, Ms(40)); // c becomes eager, so only d announces m3
        f.Output.Clear();

        f.Engine.Tick(Ms(59));
        Assert.Empty(f.Output.Sent);
        f.Engine.Tick(Ms(60));

        // c was promoted by m3, but what was announced to it while lazy still goes out with the batch.
        Assert.Equal(["c: IHave [m1@0, m2@3]", "d: IHave [m1@0, m2@3, m3@1]"], f.SentSorted());
        Assert.Equal((5L, 2L), (f.Engine.Counters.IHaveSent, f.Engine.Counters.IHaveFramesSent));
    }

    [Fact]
    public void A_full_batch_goes_out_at_once_and_the_next_batch_starts_its_own_interval()
    {
        var f = Create(Plain(1, 1) with { IHaveInterval = Ms(50), IHaveBatchSize = 2 }, eager: ["a"], lazy: ["c"]);

        f.Engine.Broadcast(Id(1), Payload(), Ms(10));
        f.Engine.Broadcast(Id(2), Payload(), Ms(20));
        Assert.Equal(["a: Gossip m1 hop 1 16B", "a: Gossip m2 hop 1 16B", "c: IHave [m1@0, m2@0]"], f.Output.Lines);

        f.Output.Clear();
        f.Engine.Broadcast(Id(3), Payload(), Ms(30));
        Assert.Equal(Ms(80), f.Engine.NextTickAt); // the 60 ms timer of the sent batch is stale
        f.Engine.Tick(Ms(60));
        Assert.Equal(["a: Gossip m3 hop 1 16B"], f.Output.Lines);
        f.Engine.Tick(Ms(80));
        Assert.Equal(["a: Gossip m3 hop 1 16B", "c: IHave [m3@0]"], f.Output.Lines);
    }

    [Fact]
    public void Unbatched_mode_sends_one_frame_per_announcement_and_the_frame_entries_are_never_reused()
    {
        var f = Create(Plain(1, 2) with { IHaveInterval = TimeSpan.Zero }, eager: ["a"], lazy: ["c", "d"]);

        f.Engine.Broadcast(Id(1), Payload(), Ms(10));
        f.Engine.Broadcast(Id(2), Payload(), Ms(10));

        var ihaves = f.Output.OfType(FrameType.IHave);
        Assert.Equal(["c: IHave [m1@0]", "d: IHave [m1@0]", "c: IHave [m2@0]", "d: IHave [m2@0]"], ihaves.Select(s => RecordingOutput.Render(s.To, s.Frame)));
        Assert.Null(f.Engine.NextTickAt is { } due && due < TimeSpan.FromSeconds(1) ? due : null);
    }

    [Fact]
    public void A_batch_frame_keeps_its_entries_after_later_announcements()
    {
        var f = Create(Plain(1, 1) with { IHaveInterval = Ms(50), IHaveBatchSize = 2 }, eager: ["a"], lazy: ["c"]);
        for (var i = 1; i <= 6; i++)
        {
            f.Engine.Broadcast(Id(i), Payload(), Ms(i));
        }

        var batches = f.Output.OfType(FrameType.IHave).Select(s => RecordingOutput.Render(s.To, s.Frame));
        Assert.Equal(["c: IHave [m1@0, m2@0]", "c: IHave [m3@0, m4@0]", "c: IHave [m5@0, m6@0]"], batches);
    }
}
