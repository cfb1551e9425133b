using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>One test per protocol rule (numbered as in docs/broadcast.md), each asserting the exact frames sent and the state change.</summary>
public sealed class ProtocolRuleTests
{
    [Fact]
    public void Rule1_Broadcast_delivers_at_hop_0_caches_pushes_hop_1_to_eager_and_announces_to_lazy_after_the_batch_interval()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"]);
        var payload = Payload(16);

        f.Engine.Broadcast(Id(1), payload, Ms(10));

        var delivery = Assert.Single(f.Output.Delivered);
        Assert.Equal((Id(1), 0, (string?)null), (delivery.Id, delivery.Hop, delivery.From));
        Assert.Equal(payload, delivery.Payload.ToArray());
        Assert.Equal(["a: Gossip m1 hop 1 16B", "b: Gossip m1 hop 1 16B"], f.SentSorted());
        Assert.Equal(1, f.Engine.CacheSize);
        Assert.Equal(Ms(60), f.Engine.NextTickAt); // IHaveInterval (50 ms) after the first pending announcement

        f.Output.Clear();
        f.Engine.Tick(Ms(59));
        Assert.Empty(f.Output.Sent);
        f.Engine.Tick(Ms(60));
        Assert.Equal(["c: IHave [m1@0]", "d: IHave [m1@0]"], f.SentSorted());
        Assert.Equal((1L, 1L, 2L, 2L, 2L), (f.Engine.Counters.Broadcast, f.Engine.Counters.Delivered, f.Engine.Counters.GossipSent, f.Engine.Counters.IHaveSent, f.Engine.Counters.IHaveFramesSent));
    }

    [Fact]
    public void Rule1_with_a_zero_IHave_interval_announces_at_once_as_in_the_paper()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c", "d"]);

        f.Engine.Broadcast(Id(1), Payload(16), Ms(10));

        Assert.Equal(["a: Gossip m1 hop 1 16B", "b: Gossip m1 hop 1 16B", "c: IHave [m1@0]", "d: IHave [m1@0]"], f.SentSorted());
    }

    [Fact]
    public void Rule2_New_gossip_is_delivered_once_forwarded_at_hop_plus_1_announced_and_its_sender_made_eager()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.IHave("d", Ms(5), (5, 1)); // starts the missing-message timer
        Assert.Equal(1, f.Engine.PendingGrafts);
        f.Output.Clear();

        f.Gossip("c", 5, hop: 3, Ms(10));

        var delivery = Assert.Single(f.Output.Delivered);
        Assert.Equal((Id(5), 3, "c"), (delivery.Id, delivery.Hop, delivery.From));
        Assert.Equal(["a: Gossip m5 hop 4 16B", "b: Gossip m5 hop 4 16B", "d: IHave [m5@3]"], f.SentSorted());
        Assert.Contains("c", f.Engine.EagerPeers);
        Assert.DoesNotContain("c", f.Engine.LazyPeers);
        Assert.Equal(1, f.Engine.CacheSize);
        Assert.Equal(0, f.Engine.PendingGrafts);

        // The timer was cancelled: no graft ever goes out for it.
        f.Output.Clear();
        f.RunTimersUntil(TimeSpan.FromSeconds(2));
        Assert.Empty(f.Output.OfType(FrameType.Graft));
        Assert.Empty(f.Output.Delivered);
    }

    [Fact]
    public void Rule3_Duplicate_gossip_is_counted_and_its_sender_demoted_to_lazy_with_a_Prune()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("b", 1, hop: 2, Ms(10));
        f.Output.Clear();

        f.Gossip("a", 1, hop: 2, Ms(11));

        Assert.Empty(f.Output.Delivered);
        Assert.Equal(["a: Prune"], f.Output.Lines);
        Assert.Equal(1, f.Engine.Counters.Duplicates);
        Assert.Equal(["b"], f.Engine.EagerPeers);
        Assert.Equal(["a", "c", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        Assert.Equal(1, f.Engine.Counters.PruneSent);
    }

    [Fact]
    public void Rule3_With_PruneAfterDuplicates_a_peer_is_pruned_when_its_duplicates_less_its_new_messages_reach_the_limit()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero, PruneAfterDuplicates = 2 }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("b", 1, hop: 2, Ms(10));
        f.Gossip("b", 2, hop: 2, Ms(11));
        f.Gossip("b", 3, hop: 2, Ms(12));
        f.Gossip("a", 1, hop: 2, Ms(13)); // count 1: kept
        f.Gossip("a", 4, hop: 2, Ms(14)); // a new message from a: count 0
        f.Gossip("a", 2, hop: 2, Ms(15)); // count 1: kept
        Assert.DoesNotContain(f.Output.Lines, l => l.EndsWith("Prune", StringComparison.Ordinal));
        Assert.Contains("a", f.Engine.EagerPeers);

        f.Gossip("a", 3, hop: 2, Ms(16)); // count 2: pruned
        Assert.Equal(["a: Prune"], f.Output.Lines.Where(l => l.EndsWith("Prune", StringComparison.Ordinal)));
        Assert.Equal(["b"], f.Engine.EagerPeers);

        // Made eager again (a Graft from a), its count starts over.
        f.Output.Clear();
        f.Engine.Receive("a", PlumtreeFrame.Graft(MessageId.Empty, 0), Ms(17));
        f.Gossip("a", 4, hop: 2, Ms(18));
        Assert.Empty(f.Output.Lines);
        Assert.Contains("a", f.Engine.EagerPeers);
        Assert.Equal(4, f.Engine.Counters.Duplicates);
    }

    [Fact]
    public void Rule3_With_PruneDelay_reaching_the_count_arms_a_prune_that_the_first_duplicate_after_a_random_moment_takes()
    {
        var pruneTimes = new HashSet<double>();
        for (var seed = 1; seed <= 20; seed++)
        {
            var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero, PruneAfterDuplicates = 2, PruneDelay = Ms(50) }, eager: ["a", "b"], lazy: ["c", "d"], seed: seed);

            // b brings every message first, a a duplicate 1 ms later; the count (2) is reached at 20 ms.
            double? prunedAt = null;
            for (var i = 1; prunedAt is null && i <= 20; i++)
            {
                f.Gossip("b", i, hop: 1, Ms(10 * i));
                f.Gossip("a", i, hop: 1, Ms((10 * i) + 1));
                if (f.Output.Lines.Contains("a: Prune"))
                {
                    prunedAt = (10 * i) + 1;
                }
            }

            // Armed at 21 ms for a moment in [71, 121) ms; duplicates every 10 ms take it by 131 ms.
            Assert.NotNull(prunedAt);
            Assert.InRange(prunedAt.Value, 71, 131);
            Assert.Equal(["b"], f.Engine.EagerPeers);
            Assert.Equal(1, f.Engine.Counters.PruneSent);
            pruneTimes.Add(prunedAt.Value);
        }

        // The moment is random: links of one cycle armed together are not pruned together.
        Assert.True(pruneTimes.Count >= 3, string.Join(", ", pruneTimes));
    }

    [Fact]
    public void Rule3_With_PruneDelay_new_messages_that_take_the_count_back_to_zero_disarm_the_prune()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero, PruneAfterDuplicates = 2, PruneDelay = Ms(50) }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("b", 1, hop: 1, Ms(10));
        f.Gossip("a", 1, hop: 1, Ms(11));
        f.Gossip("b", 2, hop: 1, Ms(20));
        f.Gossip("a", 2, hop: 1, Ms(21)); // count 2: armed for a moment in [71, 121) ms

        // The cycle was broken elsewhere: a now brings new messages, which take the count back to 0.
        f.Gossip("a", 3, hop: 1, Ms(30));
        f.Gossip("a", 4, hop: 1, Ms(40));

        // Long after the old moment, a duplicate counts from 1 and a second one only arms a new prune.
        f.Gossip("b", 5, hop: 1, Ms(300));
        f.Gossip("a", 5, hop: 1, Ms(301));
        f.Gossip("b", 6, hop: 1, Ms(310));
        f.Gossip("a", 6, hop: 1, Ms(311)); // armed for [361, 411) ms
        f.Gossip("b", 7, hop: 1, Ms(320));
        f.Gossip("a", 7, hop: 1, Ms(321));
        Assert.DoesNotContain("a: Prune", f.Output.Lines);
        Assert.Contains("a", f.Engine.EagerPeers);

        // Duplicates that keep coming past the new moment prune it.
        for (var i = 8; i <= 20; i++)
        {
            f.Gossip("b", i, hop: 1, Ms(250 + (10 * i)));
            f.Gossip("a", i, hop: 1, Ms(251 + (10 * i)));
        }

        Assert.Contains("a: Prune", f.Output.Lines);
        Assert.Equal(["b"], f.Engine.EagerPeers);
    }

    [Fact]
    public void Rule3_Duplicate_gossip_from_a_protected_ring_neighbour_neither_demotes_nor_prunes_it()
    {
        var ring = RingFixture.Create(protect: true);
        ring.F.Gossip(ring.Others[0], 1, hop: 1, Ms(10));
        ring.F.Output.Clear();

        ring.F.Gossip(ring.Successor, 1, hop: 1, Ms(11));

        Assert.Equal(1, ring.F.Engine.Counters.Duplicates);
        Assert.Empty(ring.F.Output.Sent);
        Assert.Contains(ring.Successor, ring.F.Engine.EagerPeers);
    }

    [Fact]
    public void Rule4_IHave_for_an_unknown_id_grafts_each_announcer_in_turn_then_gives_up_and_can_start_over()
    {
        var options = Plain(2, 2) with { GraftTimeout = Ms(200), GraftRetryTimeout = Ms(100), MaxGraftAttempts = 5, GraftRepairRounds = 0 };
        var f = Create(options, eager: ["a", "b"], lazy: ["c", "d"]);

        f.IHave("c", Ms(10), (9, 2));
        f.IHave("d", Ms(20), (9, 4));
        f.IHave("c", Ms(30), (9, 2)); // no duplicate announcers: c is grafted once
        Assert.Equal(1, f.Engine.PendingGrafts);
        Assert.Equal(Ms(210), f.Engine.NextTickAt); // timeout1 from the first announcement
        Assert.Empty(f.Output.Sent);

        f.Engine.Tick(Ms(210));
        Assert.Equal(["c: Graft m9 hop 2"], f.Output.Lines);
        Assert.Contains("c", f.Engine.EagerPeers);
        Assert.Equal(Ms(310), f.Engine.NextTickAt); // timeout2

        f.Output.Clear();
        f.Engine.Tick(Ms(310));
        Assert.Equal(["d: Graft m9 hop 4"], f.Output.Lines);
        Assert.Contains("d", f.Engine.EagerPeers);

        f.Output.Clear();
        f.Engine.Tick(Ms(410)); // announcers ran out
        Assert.Empty(f.Output.Sent);
        Assert.Equal((1L, 1L, 0), (f.Engine.Counters.GraftFailed, f.Engine.Counters.Partitioned, f.Engine.PendingGrafts));

        f.IHave("a", Ms(500), (9, 1)); // forgotten, so a later announcement starts over
        Assert.Equal(1, f.Engine.PendingGrafts);
        Assert.Equal(Ms(700), f.Engine.NextTickAt);
    }

    [Fact]
    public void Rule4_IHave_for_a_delivered_id_starts_no_graft()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("a", 1, hop: 1, Ms(10));
        f.Output.Clear();

        f.IHave("c", Ms(20), (1, 5));

        Assert.Equal(0, f.Engine.PendingGrafts);
        f.RunTimersUntil(TimeSpan.FromSeconds(2));
        Assert.Empty(f.Output.OfType(FrameType.Graft));
    }

    [Fact]
    public void Rule5_Graft_makes_the_sender_eager_and_serves_the_cached_message_at_its_hop_plus_1()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("a", 1, hop: 2, Ms(10));
        f.Output.Clear();

        f.Graft("c", 1, hop: 2, Ms(20));

        Assert.Equal(["c: Gossip m1 hop 3 16B"], f.Output.Lines);
        Assert.Contains("c", f.Engine.EagerPeers);

        f.Output.Clear();
        f.Graft("d", 7, hop: 1, Ms(30)); // never seen: the link is still grafted
        Assert.Empty(f.Output.Sent);
        Assert.Contains("d", f.Engine.EagerPeers);
        Assert.Equal(1, f.Engine.Counters.GraftUnserved);

        f.Engine.ClearCache();
        f.Graft("b", 1, hop: 2, Ms(40)); // no longer cached
        Assert.Empty(f.Output.Sent);
        Assert.Equal(2, f.Engine.Counters.GraftUnserved);
    }

    [Fact]
    public void Rule6_Prune_moves_the_sender_to_lazy_without_sending_anything()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"]);

        f.Prune("a", Ms(10));

        Assert.Equal(["b"], f.Engine.EagerPeers);
        Assert.Contains("a", f.Engine.LazyPeers);
        Assert.Empty(f.Output.Sent);
    }

    [Fact]
    public void Rule6_Prune_from_a_protected_ring_neighbour_is_ignored()
    {
        var ring = RingFixture.Create(protect: true);

        ring.F.Prune(ring.Successor, Ms(10));
        ring.F.Prune(ring.Predecessor, Ms(10));

        Assert.Contains(ring.Successor, ring.F.Engine.EagerPeers);
        Assert.Contains(ring.Predecessor, ring.F.Engine.EagerPeers);
        Assert.Empty(ring.F.Output.Sent);
    }

    [Fact]
    public void Rule7_An_announcement_of_a_much_shorter_path_grafts_the_announcer_and_prunes_the_parent()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero, OptimizationThreshold = 3 }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("a", 1, hop: 5, Ms(10));
        f.Gossip("b", 2, hop: 4, Ms(10));
        f.Output.Clear();

        f.IHave("d", Ms(20), (2, 1)); // 4 - (1 + 1) = 2 < 3: nothing
        Assert.Empty(f.Output.Sent);

        f.IHave("c", Ms(20), (1, 1)); // 5 - (1 + 1) = 3 >= 3: swap

        Assert.Equal(["c: Graft - hop 1", "a: Prune"], f.Output.Lines);
        Assert.Equal(["b", "c"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["a", "d"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        Assert.Equal(1, f.Engine.Counters.Optimizations);

        f.Output.Clear();
        f.IHave("d", Ms(30), (1, 1)); // the path through c is recorded: no second swap for the same gain
        Assert.Empty(f.Output.Sent);
    }

    [Fact]
    public void Rule7_is_also_checked_with_the_hop_of_a_duplicate_and_is_off_when_disabled()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("a", 1, hop: 5, Ms(10));
        f.Output.Clear();

        f.Gossip("b", 1, hop: 2, Ms(11)); // b delivered at 1: 5 - 2 >= 3, so keep b eager and prune a

        Assert.Equal(["a: Prune"], f.Output.Lines);
        Assert.Equal(["b"], f.Engine.EagerPeers);
        Assert.Equal(1, f.Engine.Counters.Optimizations);

        var off = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero, Optimization = false }, eager: ["a", "b"], lazy: ["c", "d"]);
        off.Gossip("a", 1, hop: 6, Ms(10));
        off.Output.Clear();
        off.IHave("c", Ms(20), (1, 1));
        Assert.Empty(off.Output.Sent);
        Assert.Equal(0, off.Engine.Counters.Optimizations);
    }

    [Fact]
    public void Rule8_Payloads_expire_by_TTL_and_size_while_de_duplication_outlives_them_even_after_ClearCache()
    {
        var options = Plain(2, 2) with
        {
            CacheTtl = TimeSpan.FromSeconds(1),
            CacheMaxEntries = 2,
            DedupHorizon = TimeSpan.FromSeconds(10),
            DedupMaxEntries = 100,
        };
        var f = Create(options, eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("a", 1, hop: 1, Ms(100));
        f.Gossip("a", 2, hop: 1, Ms(200));
        f.Gossip("a", 3, hop: 1, Ms(300));
        Assert.Equal(2, f.Engine.CacheSize); // the oldest went first
        f.Output.Clear();

        f.Graft("b", 1, hop: 1, Ms(400));
        f.Graft("b", 2, hop: 1, Ms(400));
        Assert.Equal(["b: Gossip m2 hop 2 16B"], f.Output.Lines);
        Assert.Equal(1, f.Engine.Counters.GraftUnserved);

        f.Engine.Tick(Ms(1200)); // m2 was cached at 200 ms: gone after 1 s
        Assert.Equal(1, f.Engine.CacheSize);
        f.Engine.Tick(Ms(1300));
        Assert.Equal(0, f.Engine.CacheSize);
        Assert.Equal(3, f.Engine.DedupSize);

        f.Output.Clear();
        f.Engine.ClearCache();
        f.Gossip("c", 3, hop: 1, Ms(5000)); // a late copy within the horizon
        Assert.Empty(f.Output.Delivered);
        Assert.Equal(1, f.Engine.Counters.Duplicates);

        f.Gossip("c", 3, hop: 1, Ms(10_300)); // past the horizon it is new again
        Assert.Single(f.Output.Delivered);
    }

    [Fact]
    public void Rule9_Rebalance_refills_the_set_and_resets_roles_by_RTT_telling_both_ends()
    {
        var f = Create(Plain(2, 3), eager: ["a", "b", "c"], lazy: ["d"], others: ["e"]);
        f.Engine.ObserveRtt("d", Ms(1));
        f.Engine.ObserveRtt("a", Ms(2));
        f.Engine.ObserveRtt("b", Ms(5)); // c and e have no sample: ranked last

        f.Engine.Rebalance(Ms(10));

        Assert.Equal(["b: Prune", "c: Prune", "d: Graft - hop 0", "e: Neighbor"], f.SentSorted());
        Assert.Equal(["a", "d"], f.Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(["b", "c", "e"], f.Engine.LazyPeers.Order(StringComparer.Ordinal));
        InvariantChecks.AssertInvariants(f.Engine, f.View);
    }

    [Fact]
    public void Rule10_Queries_and_the_snapshot_report_the_state_sorted_and_immutable()
    {
        var ring = RingFixture.Create(protect: false);
        var f = ring.F;
        f.Gossip(ring.Others[0], 1, hop: 1, Ms(10));
        f.Engine.Broadcast(Id(2), Payload(), Ms(20));
        f.IHave(ring.Others[1], Ms(30), (3, 1));

        var eagerBefore = f.Engine.EagerPeers;
        var snapshot = f.Engine.Snapshot(Ms(40));
        f.Prune(eagerBefore.First(), Ms(50));

        Assert.Equal(SelfName, snapshot.Self);
        Assert.Equal(eagerBefore.Order(StringComparer.Ordinal), snapshot.EagerPeers);
        Assert.Equal(snapshot.EagerPeers.Order(StringComparer.Ordinal), snapshot.EagerPeers);
        Assert.Equal(snapshot.LazyPeers.Order(StringComparer.Ordinal), snapshot.LazyPeers);
        Assert.Equal(new[] { ring.Successor, ring.Predecessor }.Order(StringComparer.Ordinal), snapshot.RingNeighbors);
        Assert.Equal([ring.Successor, ring.Predecessor], f.Engine.RingNeighbors);
        Assert.Equal((2, 1, 2, f.View.Count, Ms(40)), (snapshot.CacheSize, snapshot.PendingGrafts, snapshot.DedupSize, snapshot.ViewSize, snapshot.Now));
        Assert.Equal((2, 1), (f.Engine.CacheSize, f.Engine.PendingGrafts));
        Assert.Equal((1L, 2L), (f.Engine.Counters.Broadcast, f.Engine.Counters.Delivered));
        Assert.NotEqual(eagerBefore.Count, f.Engine.EagerPeers.Count); // the earlier copy did not change under us

        f.Engine.ClearCache();
        Assert.Equal(0, f.Engine.CacheSize);
        Assert.Equal(2, f.Engine.Snapshot(Ms(60)).DedupSize);
    }

    [Fact]
    public void Frames_from_a_sender_outside_the_view_are_counted_and_ignored_when_parking_is_off()
    {
        var f = Create(Plain(2, 2) with { ParkTime = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c", "d"]); // held frames: ParkingTests

        f.Gossip("stranger", 1, hop: 1, Ms(10));
        f.IHave("stranger", Ms(10), (2, 1));
        f.Graft("stranger", 0, hop: 0, Ms(10));
        f.Engine.Receive("stranger", PlumtreeFrame.Neighbor(true), Ms(10));
        f.Engine.Receive("stranger", PlumtreeFrame.Disconnect(), Ms(10)); // not counted
        f.Gossip(SelfName, 3, hop: 1, Ms(10)); // nor is self a sender

        Assert.Equal(5, f.Engine.Counters.UnknownSender);
        Assert.Empty(f.Output.Sent);
        Assert.Empty(f.Output.Delivered);
        Assert.Equal(0, f.Engine.PendingGrafts);
        Assert.Equal(4, f.Peers().Count);
    }

    [Fact]
    public void Oversized_payloads_are_refused_by_Broadcast_and_dropped_and_counted_on_receive()
    {
        var f = Create(Plain(2, 2) with { MaxMessageSize = 100 }, eager: ["a", "b"], lazy: ["c", "d"]);

        var error = Assert.Throws<ArgumentException>(() => f.Engine.Broadcast(Id(1), new byte[101], Ms(10)));
        Assert.Contains("MaxMessageSize", error.Message, StringComparison.Ordinal);
        f.Gossip("a", 2, hop: 1, Ms(10), new byte[101]);
        f.Gossip("a", 3, hop: 1, Ms(10), new byte[100]);

        Assert.Equal(1, f.Engine.Counters.Oversized);
        Assert.Equal([Id(3)], f.Output.Delivered.Select(d => d.Id));

        // Neither refused message is remembered: both are new when they come at a valid size.
        f.Gossip("a", 2, hop: 1, Ms(20));
        f.Engine.Broadcast(Id(1), new byte[100], Ms(20));
        Assert.Equal([Id(3), Id(2), Id(1)], f.Output.Delivered.Select(d => d.Id));
    }

    [Fact]
    public void Broadcast_refuses_an_empty_or_already_known_id()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"]);
        f.Gossip("a", 1, hop: 1, Ms(10));

        Assert.Throws<ArgumentException>(() => f.Engine.Broadcast(MessageId.Empty, Payload(), Ms(20)));
        Assert.Throws<ArgumentException>(() => f.Engine.Broadcast(Id(1), Payload(), Ms(20)));
        Assert.Single(f.Output.Delivered);
    }
}
