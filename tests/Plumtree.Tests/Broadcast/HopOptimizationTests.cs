using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// Rule 7 as the paper's Algorithm 4 runs it: when a missing message's Gossip arrives, the announcements
/// received for it while it was missing are compared with the hop of the Gossip.
/// </summary>
public sealed class HopOptimizationTests
{
    private static BroadcastOptions Options(bool optimization = true) =>
        Plain(2, 2) with { IHaveInterval = TimeSpan.Zero, OptimizationThreshold = 3, Optimization = optimization };

    [Fact]
    public void Gossip_after_an_announcement_of_a_much_shorter_path_grafts_the_announcer_and_prunes_the_sender()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("c", Ms(10), (1, 1));

        f.Gossip("a", 1, hop: 5, Ms(11)); // 5 - (1 + 1) = 3 >= 3: swap

        // Forwarded to b and announced to d; c already has it, so it gets neither.
        Assert.Equal(["b: Gossip m1 hop 6 16B", "d: IHave [m1@5]", "c: Graft - hop 1", "a: Prune"], f.Output.Lines);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["a", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Single(f.Output.Delivered);
        Assert.Equal(0, f.Engine.PendingGrafts);

        f.Output.Clear();
        f.RunTimersUntil(Ms(10_000)); // the pending graft was cancelled: no Graft for m1
        Assert.Empty(f.Output.OfType(FrameType.Graft));

        f.IHave("d", Ms(10_001), (1, 1)); // the path through c is recorded: the same gain swaps no second time
        Assert.Empty(f.Output.Sent);
        Assert.Equal(1, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void The_announcer_with_the_smallest_hop_is_the_one_grafted()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("c", Ms(10), (1, 2));
        f.IHave("d", Ms(10), (1, 0));

        f.Gossip("a", 1, hop: 6, Ms(11));

        Assert.Equal(["a: Prune", "b: Gossip m1 hop 7 16B", "c: IHave [m1@6]", "d: Graft - hop 0"], f.SentSorted());
        Assert.Equal(["b", "d"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(1, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void Gossip_whose_hop_is_within_the_threshold_of_the_announced_path_changes_nothing()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("c", Ms(10), (1, 2));

        f.Gossip("a", 1, hop: 5, Ms(11)); // 5 - (2 + 1) = 2 < 3

        Assert.Equal(["b: Gossip m1 hop 6 16B", "c: IHave [m1@5]", "d: IHave [m1@5]"], f.SentSorted());
        Assert.Equal(["a", "b"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["c", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        Assert.Equal(0, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void With_the_optimisation_off_gossip_after_a_shorter_announcement_changes_nothing()
    {
        var f = Create(Options(optimization: false), eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("c", Ms(10), (1, 0));

        f.Gossip("a", 1, hop: 9, Ms(11));

        Assert.Equal(["b: Gossip m1 hop 10 16B", "c: IHave [m1@9]", "d: IHave [m1@9]"], f.SentSorted());
        Assert.Equal(["a", "b"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(0, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void A_protected_ring_neighbour_that_sent_the_gossip_is_not_pruned_while_the_announcer_is_grafted()
    {
        var ring = RingFixture.Create(protect: true);
        var announcer = ring.Others[1]; // lazy
        ring.F.IHave(announcer, Ms(10), (1, 0));

        ring.F.Gossip(ring.Successor, 1, hop: 5, Ms(11));

        Assert.Empty(ring.F.Output.OfType(FrameType.Prune));
        Assert.Equal([$"{announcer}: Graft - hop 0"], ring.F.Output.OfType(FrameType.Graft).Select(s => RecordingOutput.Render(s.To, s.Frame)));
        Assert.Contains(ring.Successor, ring.F.Engine.EagerPeers);
        Assert.Contains(announcer, ring.F.Engine.EagerPeers);
        Assert.Equal(1, ring.F.Engine.Counters.Optimizations);
    }

    [Fact]
    public void An_announcer_already_grafted_is_left_to_the_duplicate_check()
    {
        var f = Create(Options() with { GraftTimeout = Ms(100) }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("c", Ms(10), (1, 1));
        f.RunTimersUntil(Ms(110)); // timeout1: Graft m1 to c, c becomes eager
        Assert.Equal(["c: Graft m1 hop 1"], f.Output.Lines);
        f.Output.Clear();

        f.Gossip("a", 1, hop: 5, Ms(111)); // c's copy is on its way: no swap yet
        Assert.Empty(f.Output.OfType(FrameType.Prune));
        Assert.Equal(0, f.Engine.Counters.Optimizations);
        f.Output.Clear();

        f.Gossip("c", 1, hop: 2, Ms(112)); // the grafted copy, a duplicate at 2: 5 - 2 >= 3, so a is pruned and c kept

        Assert.Equal(["a: Prune"], f.Output.Lines);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(1, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void An_announcer_that_is_no_longer_a_peer_is_not_grafted()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("c", Ms(10), (1, 0));
        f.Engine.Receive("c", PlumtreeFrame.Disconnect(), Ms(10));
        f.Output.Clear();

        f.Gossip("a", 1, hop: 9, Ms(11));

        Assert.Empty(f.Output.OfType(FrameType.Graft));
        Assert.Empty(f.Output.OfType(FrameType.Prune));
        Assert.Contains("a", f.Engine.EagerPeers);
        Assert.Equal(0, f.Engine.Counters.Optimizations);
    }
}
