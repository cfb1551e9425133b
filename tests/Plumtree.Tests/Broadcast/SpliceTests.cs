using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>The splice rule for the last free slots of the overlay (docs/broadcast.md, "Splice").</summary>
public sealed class SpliceTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_full_member_splices_a_requester_in_by_handing_one_of_its_links_over_and_keeps_its_degree()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"], others: ["s"]);

        f.Engine.Receive("s", PlumtreeFrame.Splice(SpliceKind.Request, "s"), Ms(10));

        var handoff = Assert.Single(f.Output.OfType(FrameType.Splice));
        var victim = handoff.To;
        Assert.Contains(victim, new[] { "a", "b", "c", "d" });
        Assert.Equal([$"{victim}: Splice Handoff s", $"{victim}: Disconnect", "s: Neighbor"], f.Output.Lines);
        Assert.Contains("s", f.Peers());
        Assert.DoesNotContain(victim, f.Peers());
        Assert.Equal(4, f.Peers().Count);
        Assert.Equal(1, f.Engine.Counters.Splices);
        InvariantChecks.AssertInvariants(f.Engine, f.View);
    }

    [Fact]
    public void A_request_for_another_member_never_hands_that_member_its_own_link_and_a_member_with_room_just_links()
    {
        var f = Create(Plain(1, 1), eager: ["a"], lazy: ["w"], others: ["s"]);
        f.Engine.Receive("s", PlumtreeFrame.Splice(SpliceKind.Request, "w"), Ms(10));
        Assert.Equal(["a: Splice Handoff w", "a: Disconnect", "s: Neighbor"], f.Output.Lines);

        var room = Create(Plain(2, 2), eager: ["a"], lazy: [], others: ["s", "w"]);
        room.Engine.Receive("s", PlumtreeFrame.Splice(SpliceKind.Request, "w"), Ms(10));
        Assert.Equal(["s: Neighbor"], room.Output.Lines);
        Assert.Equal(0, room.Engine.Counters.Splices);
    }

    [Fact]
    public void A_handoff_drops_the_sender_and_links_the_named_member_and_the_Disconnect_after_it_changes_nothing()
    {
        var f = Create(Plain(2, 2), eager: ["f", "a"], lazy: ["b", "c"], others: ["w"]);

        f.Engine.Receive("f", PlumtreeFrame.Splice(SpliceKind.Handoff, "w"), Ms(10));
        f.Engine.Receive("f", PlumtreeFrame.Disconnect(), Ms(10));

        Assert.Equal(["w: Neighbor"], f.Output.Lines);
        Assert.Equal(["a", "b", "c", "w"], f.Peers().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_stalled_node_two_short_asks_a_random_member_to_splice_it_in_instead_of_probing()
    {
        var f = Create(Plain(2, 2), eager: ["a"], lazy: ["b"], others: ["c", "d", "e", "g", "h"]);

        var splice = RefuseProbesUntilSplice(f, out var probesInThatRound);

        Assert.Equal(SpliceKind.Request, splice.Frame.SpliceKind);
        Assert.Equal("self", System.Text.Encoding.UTF8.GetString(splice.Frame.Payload.Span));
        Assert.DoesNotContain(splice.To, new[] { "self", "a", "b" });
        Assert.Equal(0, probesInThatRound); // the two free slots are kept for the splice
        Assert.Equal(2, f.Peers().Count);
    }

    [Fact]
    public void A_stalled_node_one_short_offers_its_slot_to_the_matchmaker_the_first_member_in_ring_order()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["d", "e", "g", "h"]);
        var matchmaker = f.View.Ring[0];
        Assert.NotEqual(SelfName, matchmaker); // the names are chosen so that another member is first

        var splice = RefuseProbesUntilSplice(f, out _);

        Assert.Equal($"{matchmaker}: Splice Offer", RecordingOutput.Render(splice.To, splice.Frame));
    }

    [Fact]
    public void Stalled_rounds_alternate_between_a_splice_and_a_probe_so_members_without_the_rule_are_still_asked()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["d", "e", "g", "h"]);
        var rounds = new List<string>();
        while (f.Engine.NextTickAt is { } due && due < TimeSpan.FromMinutes(3))
        {
            var before = f.Output.Sent.Count;
            f.Engine.Tick(due);
            var sent = f.Output.Sent.Skip(before).ToList();
            rounds.Add(string.Join("+", sent.Select(s => s.Frame.Type.ToString())));
            foreach (var (to, _) in sent.Where(s => s.Frame.Type == FrameType.Neighbor))
            {
                f.Engine.Receive(to, PlumtreeFrame.Disconnect(), due);
            }
        }

        // The first round probes and is refused; from then on every round is stalled: splice, probe, splice, ...
        Assert.True(rounds.Count >= 5, string.Join(", ", rounds));
        Assert.Equal(["Neighbor", "Splice", "Neighbor", "Splice", "Neighbor"], rounds.Take(5));
    }

    [Fact]
    public void With_OverlaySplice_off_a_stalled_node_keeps_probing_and_sends_no_splice_frame()
    {
        var f = Create(Plain(2, 2) with { OverlaySplice = false }, eager: ["a"], lazy: ["b"], others: ["c", "d", "e", "g", "h"]);

        RefuseProbesUntil(f, TimeSpan.FromMinutes(5));

        Assert.Empty(f.Output.OfType(FrameType.Splice));
        Assert.Equal(0, f.Engine.Counters.SpliceSent);
    }

    [Fact]
    public void The_matchmaker_links_an_offer_when_it_has_room_else_holds_one_and_pairs_the_next_with_it()
    {
        var room = Create(Plain(2, 2), eager: ["a"], lazy: [], others: ["x"]);
        room.Engine.Receive("x", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null), Ms(10));
        Assert.Equal(["x: Neighbor"], room.Output.Lines);
        Assert.Contains("x", room.Peers());

        var full = Create(Plain(1, 1), eager: ["a"], lazy: ["b"], others: ["x", "y", "z"]);
        full.Engine.Receive("x", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null), Ms(10));
        full.Engine.Receive("x", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null), Ms(20)); // a repeat is not a pair
        Assert.Empty(full.Output.Sent);
        full.Engine.Receive("y", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null), Ms(30));
        Assert.Equal(["y: Splice Introduce x"], full.Output.Lines);

        // The held offer expires: a later one is held, not paired with a stale one.
        full.Output.Clear();
        full.Engine.Receive("x", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null), Ms(40));
        full.Engine.Receive("z", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null), Ms(40) + TimeSpan.FromMinutes(2));
        Assert.Empty(full.Output.Sent);
    }

    [Fact]
    public void An_introduced_node_links_the_other_one_or_when_they_are_linked_already_asks_a_third_member_to_splice_both()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["w", "t"]);
        f.Engine.Receive("m", PlumtreeFrame.Splice(SpliceKind.Introduce, "w"), Ms(10)); // m is not a member: ignored
        Assert.Empty(f.Output.Sent);

        var g = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["w", "m"]);
        g.Engine.Receive("m", PlumtreeFrame.Splice(SpliceKind.Introduce, "w"), Ms(10));
        Assert.Equal(["w: Neighbor"], g.Output.Lines);

        var h = Create(Plain(2, 2), eager: ["a", "w"], lazy: ["c"], others: ["m"]);
        h.Engine.Receive("m", PlumtreeFrame.Splice(SpliceKind.Introduce, "w"), Ms(10));
        Assert.Equal(["m: Splice Request w"], h.Output.Lines); // m is the only member that is neither a peer nor w
    }

    [Theory]
    [InlineData(200, 31)]
    [InlineData(201, 32)]
    public void When_every_node_joins_at_once_every_node_reaches_the_degree_within_30_seconds(int n, int seed)
    {
        var options = BroadcastOptions.Paper(manySenders: false);
        var degree = options.EagerFanout + options.LazyFanout;
        var net = new InMemoryNetwork(n, options, seed);
        net.SetViewToLive();
        net.RunUntil(TimeSpan.FromSeconds(30));
        net.RunUntilQuiescent(Idle);

        AssertSymmetric(net);
        var degrees = net.Live.Select(node => node.Peers.Count()).ToList();
        Assert.All(degrees, d => Assert.InRange(d, degree - 1, degree));
        // Full: every node at the degree; with D·n odd one link end can never be matched, so one node is one short.
        Assert.Equal(n * degree % 2, degrees.Sum(d => degree - d));
        var spliceFrames = net.FramesSent.GetValueOrDefault(FrameType.Splice);
        Assert.InRange(spliceFrames, 1, 2 * n); // bounded cost: the measured runs send well under one per node
    }

    private static (string To, PlumtreeFrame Frame) RefuseProbesUntilSplice(EngineFixture f, out int probesInThatRound)
    {
        while (f.Engine.NextTickAt is { } due && due < TimeSpan.FromMinutes(5))
        {
            var before = f.Output.Sent.Count;
            f.Engine.Tick(due);
            var sent = f.Output.Sent.Skip(before).ToList();
            if (sent.FirstOrDefault(s => s.Frame.Type == FrameType.Splice) is { To: not null } splice)
            {
                probesInThatRound = sent.Count(s => s.Frame.Type == FrameType.Neighbor);
                return splice;
            }

            foreach (var (to, _) in sent.Where(s => s.Frame.Type == FrameType.Neighbor))
            {
                f.Engine.Receive(to, PlumtreeFrame.Disconnect(), due);
            }
        }

        throw new Xunit.Sdk.XunitException("no splice frame within 5 minutes");
    }

    private static void RefuseProbesUntil(EngineFixture f, TimeSpan until)
    {
        while (f.Engine.NextTickAt is { } due && due < until)
        {
            var before = f.Output.Sent.Count;
            f.Engine.Tick(due);
            foreach (var (to, _) in f.Output.Sent.Skip(before).Where(s => s.Frame.Type == FrameType.Neighbor).ToList())
            {
                f.Engine.Receive(to, PlumtreeFrame.Disconnect(), due);
            }
        }
    }

    private static void AssertSymmetric(InMemoryNetwork net)
    {
        var broken = (from node in net.Live
                      from peer in node.Peers
                      where !net[peer].Alive || !net[peer].Peers.Contains(node.Name)
                      select $"{node.Name}→{peer}").ToList();
        Assert.True(broken.Count == 0, $"asymmetric links: {string.Join(", ", broken)}");
    }
}
