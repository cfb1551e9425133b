using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// Rule 7 by time (<see cref="BroadcastOptions.LatencyOptimization"/>): a lazy peer whose announcements arrive before the
/// parent's Gossip by at least <see cref="BroadcastOptions.OptimizationTimeThreshold"/> on average over the earlier
/// messages from that parent, and on the message at hand, replaces the parent; hop counts are not compared, and
/// announcements arriving after delivery count against the announcer.
/// </summary>
public sealed class LatencyOptimizationTests
{
    private static BroadcastOptions Options(int confirmations = 1) => Plain(2, 2) with
    {
        IHaveInterval = TimeSpan.Zero,
        OptimizationThreshold = 3,
        OptimizationConfirmations = confirmations,
        OptimizationRepairWindow = TimeSpan.Zero,
        LatencyOptimization = true,
        OptimizationTimeThreshold = Ms(10),
    };

    /// <summary>Message <paramref name="id"/>: c announces it (at hop <paramref name="announcedHop"/>) <paramref name="lead"/> ms before a's Gossip (hop 2); a negative lead: after it.</summary>
    private static void Deliver(EngineFixture f, int id, double lead, int announcedHop = 9, int gossipHop = 2)
    {
        var t = Ms(id * 1000);
        if (lead >= 0)
        {
            f.IHave("c", t, (id, announcedHop));
            f.Gossip("a", id, gossipHop, t + Ms(lead));
        }
        else
        {
            f.Gossip("a", id, gossipHop, t);
            f.IHave("c", t - Ms(lead), (id, announcedHop));
        }
    }

    [Fact]
    public void An_announcer_that_comes_first_on_the_earlier_message_and_this_one_replaces_the_parent_whatever_the_hops()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d"]);

        Deliver(f, 1, lead: 50); // evidence only: the message that shows the lead does not decide alone
        Assert.Equal(0, f.Engine.Counters.Optimizations);
        f.Output.Clear();

        Deliver(f, 2, lead: 50); // c announced hop 9, a brought hop 2: the hop rule would keep a
        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["a: Prune", "b: Gossip m2 hop 3 16B", "c: Graft - hop 9", "d: IHave [m2@2]"], f.SentSorted());
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["a", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        Assert.Equal(0, f.Engine.PendingGrafts);
    }

    [Fact]
    public void An_announcer_ahead_by_less_than_the_threshold_leaves_the_parent_even_with_far_fewer_hops()
    {
        var f = Create(Options(), eager: ["a", "b"], lazy: ["c", "d"]);

        for (var i = 1; i <= 6; i++)
        {
            Deliver(f, i, lead: 5, announcedHop: 0, gossipHop: 8); // 8 - (0 + 1) >= 3: the hop rule would swap
        }

        Assert.Equal(0, f.Engine.Counters.Optimizations);
        Assert.Equal(["a", "b"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));

        // The same lead of 5 ms with the hop rule and a Gossip 8 hops long does swap: time, not hops, decides here.
        var hops = Create(Options() with { LatencyOptimization = false }, eager: ["a", "b"], lazy: ["c", "d"]);
        hops.IHave("c", Ms(1000), (1, 0));
        hops.Gossip("a", 1, hop: 8, Ms(1005));
        Assert.Equal(1, hops.Engine.Counters.Optimizations);
    }

    [Fact]
    public void Announcements_after_delivery_count_against_the_announcer()
    {
        // Two earlier messages must make the case (k = 2): c leads by 50 ms, then comes 150 ms late, then leads again.
        var f = Create(Options(confirmations: 2), eager: ["a", "b"], lazy: ["c", "d"]);

        Deliver(f, 1, lead: 50);
        Deliver(f, 2, lead: -150); // mean of 50 and -150: -50
        Deliver(f, 3, lead: 50);   // prior mean -50: no swap; moving mean (weight 2) now 0
        Deliver(f, 4, lead: 50);   // prior 0: no swap (ignoring message 2, the prior would be 50 over 2 messages: swap)
        Assert.Equal(0, f.Engine.Counters.Optimizations);

        Deliver(f, 5, lead: 50);   // prior 25 >= 10 over 4 messages: swap
        Assert.Equal(1, f.Engine.Counters.Optimizations);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
    }
}
