using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

public sealed class GraftRetryTests
{
    private static BroadcastOptions Options(int attempts = 5, int announcers = 8) => Plain(2, 4) with
    {
        GraftTimeout = Ms(200),
        GraftRetryTimeout = Ms(100),
        MaxGraftAttempts = attempts,
        MaxAnnouncers = announcers,
        GraftRepairRounds = 0, // one round of grafts only (repair rounds: RepairRoundTests)
    };

    [Fact]
    public void Grafts_follow_announcement_order_at_timeout1_then_every_timeout2_and_stop_at_MaxGraftAttempts()
    {
        var f = Create(Options(attempts: 3), eager: ["a", "b"], lazy: ["c", "d", "e", "g"]);
        f.IHave("e", Ms(0), (4, 1));
        f.IHave("c", Ms(5), (4, 2));
        f.IHave("g", Ms(7), (4, 3));
        f.IHave("d", Ms(9), (4, 4));

        var grafts = new List<string>();
        for (var t = 0; t <= 1000; t += 10)
        {
            f.Engine.Tick(Ms(t));
            grafts.AddRange(f.Output.Lines.Select(line => $"{t}ms {line}"));
            f.Output.Clear();
        }

        Assert.Equal(["200ms e: Graft m4 hop 1", "300ms c: Graft m4 hop 2", "400ms g: Graft m4 hop 3"], grafts);
        Assert.Equal((1L, 0), (f.Engine.Counters.GraftFailed, f.Engine.PendingGrafts)); // given up at 500 ms
        Assert.Equal(3, f.Engine.Counters.GraftSent);
    }

    [Fact]
    public void An_announcer_arriving_after_the_first_graft_is_asked_after_the_earlier_ones()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d", "e", "g"]);
        f.IHave("c", Ms(0), (4, 1));
        f.Engine.Tick(Ms(200));
        f.IHave("d", Ms(250), (4, 1));

        f.Engine.Tick(Ms(300));

        Assert.Equal(["c: Graft m4 hop 1", "d: Graft m4 hop 1"], f.Output.Lines);
    }

    [Fact]
    public void Only_MaxAnnouncers_are_remembered()
    {
        var f = Create(Options(announcers: 2), eager: ["a", "b"], lazy: ["c", "d", "e", "g"]);

        f.IHave("c", Ms(0), (4, 1));
        f.IHave("d", Ms(1), (4, 1));
        f.IHave("e", Ms(2), (4, 1));

        f.RunTimersUntil(Ms(2000));
        Assert.Equal(["c: Graft m4 hop 1", "d: Graft m4 hop 1"], f.Grafts()); // e was not remembered
    }

    [Fact]
    public void The_message_arriving_while_grafting_stops_the_retries()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d", "e", "g"]);
        f.IHave("c", Ms(0), (4, 1));
        f.IHave("d", Ms(0), (4, 1));
        f.Engine.Tick(Ms(200));

        f.Gossip("c", 4, hop: 2, Ms(250)); // the grafted message arrives

        f.Output.Clear();
        f.RunTimersUntil(Ms(2000));
        Assert.Empty(f.Output.OfType(FrameType.Graft));
        Assert.Equal((0L, 0), (f.Engine.Counters.GraftFailed, f.Engine.PendingGrafts));
    }
}
