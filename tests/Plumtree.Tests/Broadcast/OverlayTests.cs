using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

public sealed class OverlayTests
{
    private static readonly string[] TenMembers = ["self", "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"];

    [Fact]
    public void SetView_asks_about_half_the_missing_peers_and_repair_ticks_fill_the_rest_eager_first()
    {
        var output = new RecordingOutput();
        var engine = new BroadcastEngine("self", Plain(3, 3), output, new Random(5));

        engine.SetView(PeerView.Create(TenMembers), TimeSpan.Zero);

        // Six missing: three asked now (half, leaving room to accept others' requests); the first one at high
        // priority because the set was empty.
        Assert.Equal(3, output.Sent.Count);
        Assert.All(output.Sent, s => Assert.Equal(FrameType.Neighbor, s.Frame.Type));
        Assert.Equal([true, false, false], output.Sent.Select(s => s.Frame.Flag));
        Assert.Equal(output.Sent.Select(s => s.To).Order(StringComparer.Ordinal), engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Empty(engine.LazyPeers);
        Assert.Equal(TimeSpan.FromSeconds(1), engine.NextTickAt); // OverlayRepairInterval

        output.Clear();
        engine.Tick(TimeSpan.FromSeconds(1)); // three missing: two asked
        Assert.Equal(2, output.Sent.Count);
        Assert.Equal(2, engine.LazyPeers.Count); // EagerFanout reached: new peers are lazy
        engine.Tick(TimeSpan.FromSeconds(2)); // one missing: one asked
        Assert.Equal(6, engine.EagerPeers.Count + engine.LazyPeers.Count);
        Assert.All(output.Sent, s => Assert.False(s.Frame.Flag));
        Assert.Null(engine.NextTickAt); // full: nothing scheduled
        InvariantChecks.AssertInvariants(engine, engine.View);
    }

    [Fact]
    public void New_peers_start_eager_until_EagerFanout_then_lazy_and_the_paper_preset_starts_every_link_eager()
    {
        var f = Create(Plain(2, 2), eager: [], lazy: [], others: ["a", "b", "c", "d"]);
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            f.Engine.Receive(name, PlumtreeFrame.Neighbor(false), Ms(10));
        }

        Assert.Equal(["a", "b"], f.Engine.EagerPeers);
        Assert.Equal(["c", "d"], f.Engine.LazyPeers);
        Assert.Empty(f.Output.Sent); // accepting is silent

        var output = new RecordingOutput();
        var paper = new BroadcastEngine("self", BroadcastOptions.Paper(manySenders: false), output, new Random(1));
        paper.SetView(PeerView.Create(TenMembers), TimeSpan.Zero);
        paper.RunUntilFull();
        Assert.Equal(5, paper.EagerPeers.Count);
        Assert.Empty(paper.LazyPeers);
    }

    [Fact]
    public void A_full_set_refuses_Neighbor_with_Disconnect_but_accepts_high_priority_by_evicting_a_peer()
    {
        var f = Create(Plain(1, 1), eager: ["a"], lazy: ["b"], others: ["c", "d"]);

        f.Engine.Receive("c", PlumtreeFrame.Neighbor(highPriority: false), Ms(10));
        Assert.Equal(["c: Disconnect"], f.Output.Lines);
        Assert.DoesNotContain("c", f.Peers());

        f.Output.Clear();
        f.Engine.Receive("d", PlumtreeFrame.Neighbor(highPriority: true), Ms(20));
        var evicted = Assert.Single(f.Output.Sent);
        Assert.Equal(FrameType.Disconnect, evicted.Frame.Type);
        Assert.Contains(evicted.To, new[] { "a", "b" });
        Assert.Contains("d", f.Peers());
        Assert.DoesNotContain(evicted.To, f.Peers());
        Assert.Equal(2, f.Peers().Count);
    }

    [Fact]
    public void Disconnect_removes_the_sender_and_a_refusing_member_is_not_asked_again_while_remembered()
    {
        // Probing only: a stalled node's splice offers (SpliceTests) are not Neighbor requests and ignore the memory.
        var options = Plain(2, 2) with { NeighborRefusalTtl = TimeSpan.FromSeconds(30), OverlaySplice = false };
        var f = Create(options, eager: ["a", "b"], lazy: ["c", "d"], others: ["e"]);

        f.Engine.Receive("a", PlumtreeFrame.Disconnect(), TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("a", f.Peers());
        Assert.Equal(3, f.Peers().Count);

        f.RunTimersUntil(TimeSpan.FromSeconds(2)); // repair asks the only member not refused
        Assert.Equal(["e: Neighbor"], f.Output.Lines);
        f.Engine.Receive("e", PlumtreeFrame.Disconnect(), TimeSpan.FromSeconds(2.5)); // e refuses

        f.Output.Clear();
        f.RunTimersUntil(TimeSpan.FromSeconds(30));
        Assert.Empty(f.Output.Sent); // a (until 31 s) and e (until 32.5 s) are remembered

        f.RunTimersUntil(TimeSpan.FromSeconds(120));
        Assert.Equal("Neighbor", Assert.Single(f.Output.Sent).Frame.Type.ToString());
        Assert.Equal(4, f.Peers().Count);
    }

    [Fact]
    public void A_frame_from_a_member_that_is_not_a_peer_adds_it_when_there_is_room_gossip_eager_and_IHave_lazy()
    {
        var f = Create(Plain(2, 4), eager: ["a", "b"], lazy: ["c", "d"], others: ["e", "g"]);

        f.Gossip("e", 1, hop: 1, Ms(10));
        f.IHave("g", Ms(20), (2, 3));

        Assert.Contains("e", f.Engine.EagerPeers);
        Assert.Contains("g", f.Engine.LazyPeers);
        Assert.Contains("e: Neighbor", f.Output.Lines);
        Assert.Contains("g: Neighbor", f.Output.Lines);
        Assert.Single(f.Output.Delivered);
        f.Output.Clear();
        f.RunTimersUntil(Ms(300));
        Assert.Equal(["g: Graft m2 hop 3"], f.Grafts()); // g's announcement was remembered
    }

    [Fact]
    public void A_frame_from_a_member_that_is_not_a_peer_is_still_processed_when_full_and_answered_with_Disconnect()
    {
        var f = Create(Plain(2, 2) with { IHaveInterval = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c", "d"], others: ["e"]);

        f.Gossip("e", 1, hop: 1, Ms(10));

        Assert.Single(f.Output.Delivered);
        Assert.Equal(["a: Gossip m1 hop 2 16B", "b: Gossip m1 hop 2 16B", "c: IHave [m1@1]", "d: IHave [m1@1]", "e: Disconnect"], f.SentSorted());
        Assert.DoesNotContain("e", f.Peers());

        f.Output.Clear();
        f.Graft("e", 1, hop: 1, Ms(20)); // grafts are served regardless
        Assert.Equal(["e: Gossip m1 hop 2 16B", "e: Disconnect"], f.Output.Lines);

        f.Output.Clear();
        f.IHave("e", Ms(30), (2, 1)); // and announcements remembered
        Assert.Equal(["e: Disconnect"], f.Output.Lines);
        f.Output.Clear();
        f.RunTimersUntil(Ms(300));
        Assert.Equal(["e: Graft m2 hop 1"], f.Grafts());
    }

    [Fact]
    public void SetView_drops_departed_peers_and_their_announcements_then_refills()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"], others: ["e"]);
        f.IHave("c", Ms(10), (9, 1));
        f.IHave("d", Ms(20), (9, 2));

        f.Engine.SetView(PeerView.Create(["self", "a", "b", "d", "e"]), Ms(30));

        Assert.DoesNotContain("c", f.Peers());
        Assert.Equal(["e: Neighbor"], f.Output.Lines);
        f.Output.Clear();
        f.RunTimersUntil(Ms(500)); // one round of grafts: only d is left to ask
        Assert.Equal(["d: Graft m9 hop 2"], f.Output.Lines);
        InvariantChecks.AssertInvariants(f.Engine, f.Engine.View);
    }

    [Fact]
    public void Ring_neighbours_are_the_view_successor_and_predecessor_and_a_new_one_is_added_eager_by_evicting_a_non_ring_peer()
    {
        var ring = RingFixture.Create(protect: true);
        var f = ring.F;
        Assert.Equal([ring.Successor, ring.Predecessor], f.Engine.RingNeighbors);

        // A joiner that lands right after self on the ring becomes the new successor.
        var joiner = Enumerable.Range(0, 1000).Select(i => $"j{i}")
            .First(name =>
            {
                var v = PeerView.Create([.. f.View.Ring.ToArray(), name]);
                return v[v.PositionOf("self") + 1] == name;
            });
        var view = PeerView.Create([.. f.View.Ring.ToArray(), joiner]);

        f.Engine.SetView(view, Ms(10));

        Assert.Equal([joiner, ring.Predecessor], f.Engine.RingNeighbors);
        Assert.Contains(joiner, f.Engine.EagerPeers);
        Assert.Equal(5, f.Peers().Count);
        var disconnect = Assert.Single(f.Output.OfType(FrameType.Disconnect));
        Assert.NotEqual(ring.Predecessor, disconnect.To);
        Assert.Equal($"{joiner}: Neighbor", Assert.Single(f.Output.OfType(FrameType.Neighbor)) is var n ? RecordingOutput.Render(n.To, n.Frame) : null);
        InvariantChecks.AssertInvariants(f.Engine, view);
    }

    [Fact]
    public void Disconnect_from_a_ring_neighbour_is_ignored_because_the_view_defines_the_ring()
    {
        var ring = RingFixture.Create(protect: false);

        ring.F.Engine.Receive(ring.Successor, PlumtreeFrame.Disconnect(), Ms(10));

        Assert.Contains(ring.Successor, ring.F.Peers());
        InvariantChecks.AssertInvariants(ring.F.Engine, ring.F.View);
    }

    [Fact]
    public void A_ring_neighbour_that_disconnected_is_dropped_when_a_view_change_ends_its_ring_status()
    {
        var ring = RingFixture.Create(protect: false);
        var f = ring.F;
        f.Engine.Receive(ring.Successor, PlumtreeFrame.Disconnect(), Ms(10));
        var joiner = Enumerable.Range(0, 1000).Select(i => $"j{i}")
            .First(name =>
            {
                var v = PeerView.Create([.. f.View.Ring.ToArray(), name]);
                return v[v.PositionOf("self") + 1] == name;
            });
        var view = PeerView.Create([.. f.View.Ring.ToArray(), joiner]);

        f.Engine.SetView(view, Ms(20));

        Assert.DoesNotContain(ring.Successor, f.Peers());
        Assert.Contains(joiner, f.Peers());
        InvariantChecks.AssertInvariants(f.Engine, view);
    }

    [Fact]
    public void A_ring_neighbour_that_disconnected_and_stays_one_is_asked_again_at_the_next_view_change()
    {
        var ring = RingFixture.Create(protect: false);
        var f = ring.F;
        f.Engine.Receive(ring.Successor, PlumtreeFrame.Disconnect(), Ms(10));
        var farAway = Enumerable.Range(0, 1000).Select(i => $"x{i}")
            .First(name =>
            {
                var v = PeerView.Create([.. f.View.Ring.ToArray(), name]);
                var p = v.PositionOf("self");
                return v[p + 1] != name && v[p - 1] != name;
            });
        var view = PeerView.Create([.. f.View.Ring.ToArray(), farAway]);
        f.Output.Clear();

        f.Engine.SetView(view, Ms(20));

        Assert.Contains(ring.Successor, f.Peers());
        Assert.Contains(f.Output.OfType(FrameType.Neighbor), s => s.To == ring.Successor);
        InvariantChecks.AssertInvariants(f.Engine, view);
    }

    [Fact]
    public void A_ring_neighbour_odd_count_takes_the_symmetric_closure()
    {
        var view = PeerView.Create(["self", "a", "b", "c", "d", "e", "g", "h"]);
        var engine = new BroadcastEngine("self", new BroadcastOptions { EagerFanout = 3, LazyFanout = 3, MaxProtectedNeighbors = 3 }, new RecordingOutput(), new Random(1));

        engine.SetView(view, TimeSpan.Zero);

        var p = view.PositionOf("self");
        Assert.Equal([view[p + 1], view[p - 1], view[p + 2], view[p - 2]], engine.RingNeighbors);
    }

    [Fact]
    public void SetView_with_the_view_already_in_force_changes_nothing()
    {
        var output = new RecordingOutput();
        var engine = new BroadcastEngine("self", Plain(3, 3), output, new Random(5));
        var view = PeerView.Create(TenMembers);
        engine.SetView(view, TimeSpan.Zero);
        var peers = engine.EagerPeers.ToList();
        var due = engine.NextTickAt;
        output.Clear();

        engine.SetView(view, Ms(500));

        Assert.Empty(output.Sent);
        Assert.Equal(peers, engine.EagerPeers);
        Assert.Equal(due, engine.NextTickAt);
    }

    [Fact]
    public void Repair_backs_off_while_every_request_is_refused()
    {
        var f = Create(Plain(2, 2) with { NeighborRefusalTtl = TimeSpan.Zero }, eager: ["a", "b"], lazy: ["c"], others: ["e"]);
        var intervals = new List<double>();
        var last = TimeSpan.Zero;
        for (var round = 0; round < 8; round++)
        {
            var due = f.Engine.NextTickAt!.Value;
            intervals.Add((due - last).TotalSeconds);
            f.Engine.Tick(due);
            var asked = Assert.Single(f.Output.Sent);
            f.Output.Clear();
            f.Engine.Receive(asked.To, PlumtreeFrame.Disconnect(), due); // refused every time
            last = due;
        }

        Assert.Equal([1, 1, 2, 4, 8, 16, 32, 32], intervals);
    }
}

internal static class EngineTestExtensions
{
    /// <summary>Ticks repair rounds until the set is full (or a minute of engine time passed).</summary>
    public static void RunUntilFull(this BroadcastEngine engine)
    {
        while (engine.NextTickAt is { } due && due < TimeSpan.FromMinutes(1))
        {
            engine.Tick(due);
        }
    }
}
