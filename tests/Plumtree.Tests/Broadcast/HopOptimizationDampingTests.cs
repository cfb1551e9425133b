using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// The damping of rule 7 (<see cref="BroadcastOptions.OptimizationConfirmations"/>): a lazy peer's shortcut past the
/// current parent must show on consecutive messages from that parent before the link swap is made, except within
/// <see cref="BroadcastOptions.OptimizationRepairWindow"/> of a view change.
/// </summary>
public sealed class HopOptimizationDampingTests
{
    private static BroadcastOptions Options(int confirmations, double repairWindowMs = 0) => Plain(2, 2) with
    {
        IHaveInterval = TimeSpan.Zero,
        OptimizationThreshold = 3,
        OptimizationConfirmations = confirmations,
        OptimizationRepairWindow = Ms(repairWindowMs),
    };

    /// <summary>
    /// Two origins on opposite sides of this node, as under many senders. Origin X is near c: a message from X
    /// reaches us through a at hop 8 while c has it at hop 1. Origin Y is near a: through a at hop 2 while c
    /// has it at hop 9. After a swap the roles turn: through c, X arrives at hop 2 (a announces 9) and Y at 10
    /// (a announces 1). Each message is driven the way the network would, given which of a and c is eager now.
    /// </summary>
    private static void Deliver(EngineFixture f, int id, bool fromX, TimeSpan now)
    {
        var viaA = f.Engine.EagerPeers.Contains("a");
        var (parent, other) = viaA ? ("a", "c") : ("c", "a");
        var shortcutOnThisSide = fromX == viaA; // X through a, or Y through c, goes the long way round
        if (shortcutOnThisSide)
        {
            f.IHave(other, now, (id, 1)); // the announcement of the short path comes first, as with equal link delays
            f.Gossip(parent, id, hop: 8, now + Ms(1));
        }
        else
        {
            f.Gossip(parent, id, hop: 2, now);
            f.IHave(other, now + Ms(1), (id, 9));
        }
    }

    [Fact]
    public void With_the_papers_rule_alternating_origins_swap_the_parent_on_every_message()
    {
        var f = Create(Options(confirmations: 1), eager: ["a", "b"], lazy: ["c", "d"]);

        for (var i = 1; i <= 20; i++)
        {
            Deliver(f, i, fromX: i % 2 == 1, Ms(i * 1000));
        }

        // Every message finds a shortcut past the parent the previous swap chose: the tree never settles.
        Assert.Equal(20, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void With_two_confirmations_alternating_origins_leave_the_parent_in_place()
    {
        var f = Create(Options(confirmations: 2), eager: ["a", "b"], lazy: ["c", "d"]);

        for (var i = 1; i <= 20; i++)
        {
            Deliver(f, i, fromX: i % 2 == 1, Ms(i * 1000));
        }

        Assert.Equal(0, f.Engine.Counters.Optimizations);
        Assert.Equal(["a", "b"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["c", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        Assert.Equal(20, f.Output.Delivered.Count);
    }

    [Fact]
    public void With_two_confirmations_a_steady_shortcut_swaps_once_on_the_second_message()
    {
        var f = Create(Options(confirmations: 2), eager: ["a", "b"], lazy: ["c", "d"]);

        Deliver(f, 1, fromX: true, Ms(1000));
        Assert.Equal(0, f.Engine.Counters.Optimizations);
        Assert.Contains("a", f.Engine.EagerPeers);

        f.Output.Clear();
        Deliver(f, 2, fromX: true, Ms(2000));
        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Contains("c: Graft - hop 1", f.Output.Lines);
        Assert.Contains("a: Prune", f.Output.Lines);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));

        // The short path is now the tree's: later messages from the same origin swap nothing.
        for (var i = 3; i <= 12; i++)
        {
            Deliver(f, i, fromX: true, Ms(i * 1000));
        }

        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_message_from_the_same_parent_without_the_shortcut_starts_the_count_again()
    {
        var f = Create(Options(confirmations: 2), eager: ["a", "b"], lazy: ["c", "d"]);

        Deliver(f, 1, fromX: true, Ms(1000));  // shortcut past a: 1 of 2
        Deliver(f, 2, fromX: false, Ms(2000)); // through a, c no shorter: back to 0
        Deliver(f, 3, fromX: true, Ms(3000));  // 1 of 2
        Assert.Equal(0, f.Engine.Counters.Optimizations);

        Deliver(f, 4, fromX: true, Ms(4000));  // 2 of 2
        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Messages_from_another_parent_do_not_interrupt_the_count()
    {
        var f = Create(Options(confirmations: 2), eager: ["a", "b"], lazy: ["c", "d"]);

        f.IHave("c", Ms(1000), (1, 1));
        f.Gossip("a", 1, hop: 8, Ms(1001)); // shortcut past a: 1 of 2

        // A message from b's side of the tree: c has it much later than us, which says nothing about a.
        f.Gossip("b", 2, hop: 1, Ms(2000));
        f.IHave("c", Ms(2001), (2, 9));

        f.IHave("c", Ms(3000), (3, 1));
        f.Gossip("a", 3, hop: 8, Ms(3001)); // 2 of 2

        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["a", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_announcement_after_delivery_counts_too_and_one_message_counts_once()
    {
        var f = Create(Options(confirmations: 2), eager: ["a", "b"], lazy: ["c", "d"]);

        f.Gossip("a", 1, hop: 8, Ms(1000));
        f.IHave("c", Ms(1001), (1, 1)); // 8 - (1 + 1) >= 3: 1 of 2
        f.IHave("c", Ms(1002), (1, 1)); // the same message again: still 1 of 2
        Assert.Equal(0, f.Engine.Counters.Optimizations);

        f.Gossip("a", 2, hop: 8, Ms(2000));
        f.Output.Clear();
        f.IHave("c", Ms(2001), (2, 1)); // 2 of 2

        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["c: Graft - hop 1", "a: Prune"], f.Output.Lines);
    }

    [Fact]
    public void Within_the_repair_window_of_a_view_change_the_first_shortcut_swaps()
    {
        var f = Create(Options(confirmations: 3, repairWindowMs: 10_000), eager: ["a", "b"], lazy: ["c", "d"]); // view set at 0

        Deliver(f, 1, fromX: true, Ms(1000));

        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void After_the_repair_window_the_damping_applies_again_and_a_new_view_reopens_it()
    {
        var f = Create(Options(confirmations: 3, repairWindowMs: 10_000), eager: ["a", "b"], lazy: ["c", "d"], others: ["z"]);

        Deliver(f, 1, fromX: true, Ms(10_000));  // the window [0, 10 s) has closed: 1 of 3
        Deliver(f, 2, fromX: true, Ms(11_000));  // 2 of 3
        Deliver(f, 3, fromX: false, Ms(11_200)); // no shortcut from a: back to 0
        Assert.Equal(0, f.Engine.Counters.Optimizations);

        f.Engine.SetView(PeerView.Create([SelfName, "a", "b", "c", "d"]), Ms(11_500)); // z left: the window reopens
        Deliver(f, 4, fromX: true, Ms(12_000)); // 1 of 3, but within the window one is enough
        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));

        // Alternating origins after the window: the damping holds the tree again.
        for (var i = 5; i <= 20; i++)
        {
            Deliver(f, i, fromX: i % 2 == 0, Ms(30_000 + (i * 1000)));
        }

        Assert.Equal(1, f.Engine.Counters.Optimizations);
    }

    [Fact]
    public void Without_damping_the_repair_window_changes_nothing()
    {
        var f = Create(Options(confirmations: 1, repairWindowMs: 10_000), eager: ["a", "b"], lazy: ["c", "d"]);

        Deliver(f, 1, fromX: false, Ms(1000)); // no shortcut: no swap, window or not
        Assert.Equal(0, f.Engine.Counters.Optimizations);

        Deliver(f, 2, fromX: true, Ms(20_000)); // the paper's rule swaps on the first shortcut anyway
        Assert.Equal(1, f.Engine.Counters.Optimizations);
    }
}
