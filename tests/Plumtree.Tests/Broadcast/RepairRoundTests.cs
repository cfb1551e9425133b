using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// Repair rounds (BroadcastEngine.Repair.cs): when a round of grafts runs out without the message, a new round
/// asks the remembered announcers again one repair interval after the previous round began, up to
/// GraftRepairRounds times; then the message is given up, counted once. Fake time: timeout1 200 ms,
/// timeout2 100 ms, 5 attempts, so the interval is 700 ms.
/// </summary>
public sealed class RepairRoundTests
{
    private static BroadcastOptions Options(int rounds = 3) => Plain(2, 4) with
    {
        GraftTimeout = Ms(200),
        GraftRetryTimeout = Ms(100),
        MaxGraftAttempts = 5,
        GraftRepairRounds = rounds,
    };

    private static EngineFixture Engine(int rounds = 3) => Create(Options(rounds), eager: ["a", "b"], lazy: ["c", "d", "e", "g"]);

    /// <summary>Ticks every 10 ms from <paramref name="from"/> to <paramref name="until"/> and returns the Grafts sent, stamped with the time.</summary>
    private static List<string> GraftsUntil(EngineFixture f, int from, int until)
    {
        var grafts = new List<string>();
        for (var t = from; t <= until; t += 10)
        {
            f.Engine.Tick(Ms(t));
            grafts.AddRange(f.Grafts().Select(line => $"{t}ms {line}"));
            f.Output.Sent.Clear(); // deliveries are kept
        }

        return grafts;
    }

    [Fact]
    public void A_message_whose_grafts_were_all_lost_gets_a_new_round_after_the_interval_and_is_delivered_when_a_frame_gets_through()
    {
        var f = Engine();
        f.IHave("c", Ms(0), (4, 1));
        f.IHave("d", Ms(0), (4, 2));

        // Round 0 grafts c then d and runs out at 400 ms; round 1 starts at 700 ms and grafts after timeout1.
        Assert.Equal(
            ["200ms c: Graft m4 hop 1", "300ms d: Graft m4 hop 2", "900ms c: Graft m4 hop 1", "1000ms d: Graft m4 hop 2"],
            GraftsUntil(f, 10, 1000));
        Assert.Equal((1L, 0L, 1), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed, f.Engine.PendingGrafts));

        f.Gossip("d", 4, hop: 3, Ms(1050)); // this time the Gossip gets through

        var delivery = Assert.Single(f.Output.Delivered);
        Assert.Equal((Id(4), (TimeSpan?)Ms(1050)), (delivery.Id, delivery.GraftLatency)); // from the first announcement
        Assert.Equal(0, f.Engine.PendingGrafts);
        Assert.Empty(GraftsUntil(f, 1060, 5000));
        Assert.Equal((1L, 0L, 0L), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed, f.Engine.Counters.Partitioned));
    }

    [Fact]
    public void Rounds_stop_after_GraftRepairRounds_and_the_message_is_given_up_once()
    {
        var f = Engine();
        f.IHave("c", Ms(0), (4, 1));

        Assert.Equal(
            ["200ms c: Graft m4 hop 1", "900ms c: Graft m4 hop 1", "1600ms c: Graft m4 hop 1", "2300ms c: Graft m4 hop 1"],
            GraftsUntil(f, 10, 10_000));
        Assert.Equal((3L, 1L, 1L, 0), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed, f.Engine.Counters.Partitioned, f.Engine.PendingGrafts));
        Assert.Null(f.Engine.NextTickAt);

        f.IHave("d", Ms(10_010), (4, 1)); // given up and forgotten: a later announcement starts over
        Assert.Equal(1, f.Engine.PendingGrafts);
    }

    [Fact]
    public void With_no_repair_rounds_the_message_is_given_up_when_the_first_round_runs_out()
    {
        var f = Engine(rounds: 0);
        f.IHave("c", Ms(0), (4, 1));

        Assert.Equal(["200ms c: Graft m4 hop 1"], GraftsUntil(f, 10, 5000));
        Assert.Equal((0L, 1L, 0), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed, f.Engine.PendingGrafts));
    }

    [Fact]
    public void No_round_starts_when_the_message_arrived_before_it()
    {
        var f = Engine();
        f.IHave("c", Ms(0), (4, 1));
        f.IHave("c", Ms(0), (5, 1));
        f.Gossip("a", 5, hop: 2, Ms(100)); // m5 by eager push, before any graft

        Assert.Equal(["200ms c: Graft m4 hop 1"], GraftsUntil(f, 10, 500)); // round 0 of m4 ran out at 300 ms
        f.Gossip("c", 4, hop: 2, Ms(510)); // m4 while waiting for its repair round

        Assert.Empty(GraftsUntil(f, 520, 5000));
        Assert.Equal((0L, 0L, 0), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed, f.Engine.PendingGrafts));
        Assert.Equal(
            [(Id(5), (TimeSpan?)null), (Id(4), Ms(510))],
            f.Output.Delivered.Select(d => (d.Id, d.GraftLatency)).ToList());
    }

    [Fact]
    public void A_new_announcer_while_waiting_for_the_next_round_is_grafted_after_timeout1_without_counting_a_round()
    {
        var f = Engine();
        f.IHave("c", Ms(0), (4, 1));
        Assert.Equal(["200ms c: Graft m4 hop 1"], GraftsUntil(f, 10, 390)); // round 0 ran out at 300 ms

        f.IHave("e", Ms(400), (4, 2));

        // e at 600 ms; the repair round is due at 700 ms, when e's graft has run out too, and asks both again.
        Assert.Equal(
            ["600ms e: Graft m4 hop 2", "900ms c: Graft m4 hop 1", "1000ms e: Graft m4 hop 2"],
            GraftsUntil(f, 400, 1050));
        Assert.Equal(1L, f.Engine.Counters.RepairRounds);
    }

    [Fact]
    public void A_repair_round_asks_only_announcers_still_in_the_view_and_none_left_gives_the_message_up()
    {
        var f = Engine();
        f.IHave("c", Ms(0), (4, 1));
        f.IHave("d", Ms(0), (4, 2));
        Assert.Equal(2, GraftsUntil(f, 10, 450).Count);

        f.Engine.SetView(PeerView.Create([SelfName, "a", "b", "d", "e", "g"]), Ms(460)); // c left
        Assert.Equal(["900ms d: Graft m4 hop 2"], GraftsUntil(f, 470, 1050));

        f.Engine.SetView(PeerView.Create([SelfName, "a", "b", "e", "g"]), Ms(1060)); // d left too
        Assert.Empty(GraftsUntil(f, 1070, 5000));
        Assert.Equal((1L, 1L, 0), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed, f.Engine.PendingGrafts));
    }

    [Fact]
    public void The_interval_can_be_set_and_counts_from_the_start_of_the_previous_round()
    {
        var f = Create(Options(rounds: 1) with { GraftRepairInterval = TimeSpan.FromSeconds(2) }, eager: ["a", "b"], lazy: ["c", "d", "e", "g"]);
        f.IHave("c", Ms(0), (4, 1));

        Assert.Equal(["200ms c: Graft m4 hop 1", "2200ms c: Graft m4 hop 1"], GraftsUntil(f, 10, 5000));
        Assert.Equal((1L, 1L), (f.Engine.Counters.RepairRounds, f.Engine.Counters.GraftFailed));
    }
}
