using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// The splice rule in a mixed cluster (docs/broadcast.md, "Splice"): members the view marks legacy (<c>pt</c> below 2)
/// do not know the Splice frame and are never sent one.
/// </summary>
public sealed class SpliceLegacyTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_view_marks_legacy_members_and_one_without_any_is_the_plain_view()
    {
        var view = PeerView.Create(["a", "b", "c", "d"]);
        Assert.Same(view, view.WithLegacyMembers([]));
        Assert.Same(view, view.WithLegacyMembers(["not-a-member"]));
        Assert.Equal(0, view.LegacyCount);

        var mixed = view.WithLegacyMembers(["b", "d", "x"]);
        Assert.Equal(2, mixed.LegacyCount);
        Assert.False(mixed.KnowsSplice("b"));
        Assert.False(mixed.KnowsSplice("d"));
        Assert.True(mixed.KnowsSplice("a"));
        Assert.True(mixed.KnowsSplice("c"));
        Assert.True(mixed.KnowsSplice("x")); // not in the view: nothing is known against it
        Assert.Equal(view.Ring.ToArray(), mixed.Ring.ToArray());
        Assert.Equal(view.Version, mixed.Version);
    }

    [Fact]
    public void A_two_short_node_asks_only_a_member_that_knows_the_Splice_frame()
    {
        string[] legacy = ["c", "d", "e", "g"];
        var f = Create(Plain(2, 2), eager: ["a"], lazy: ["b"], others: ["c", "d", "e", "g", "h"], legacy: legacy);

        var splices = RefuseProbesAndCollectSplices(f, TimeSpan.FromMinutes(5));

        Assert.NotEmpty(splices);
        Assert.All(splices, s => Assert.Equal("h: Splice Request self", s));
    }

    [Fact]
    public void The_matchmaker_is_the_first_member_in_ring_order_that_knows_the_Splice_frame()
    {
        var plain = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["d", "e", "g", "h"]);
        var first = plain.View.Ring[0];
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["d", "e", "g", "h"], legacy: [first]);
        var matchmaker = f.View.Ring[1];
        Assert.NotEqual(SelfName, first); // the names are chosen so that two other members come first
        Assert.NotEqual(SelfName, matchmaker);

        var splices = RefuseProbesAndCollectSplices(f, TimeSpan.FromMinutes(5));

        Assert.NotEmpty(splices);
        Assert.All(splices, s => Assert.Equal($"{matchmaker}: Splice Offer", s));
    }

    [Fact]
    public void A_full_member_hands_over_only_a_link_to_a_member_that_knows_the_Splice_frame_or_splices_nothing()
    {
        var f = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"], others: ["s"], legacy: ["a", "b", "c"]);
        f.Engine.Receive("s", PlumtreeFrame.Splice(SpliceKind.Request, "s"), Ms(10));
        Assert.Equal(["d: Splice Handoff s", "d: Disconnect", "s: Neighbor"], f.Output.Lines);

        var none = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c", "d"], others: ["s"], legacy: ["a", "b", "c", "d"]);
        none.Engine.Receive("s", PlumtreeFrame.Splice(SpliceKind.Request, "s"), Ms(10));
        Assert.Empty(none.Output.Sent); // without the handoff the splice would only move the shortness to the victim
        Assert.Equal(4, none.Peers().Count);
        Assert.Equal(0, none.Engine.Counters.Splices);
    }

    [Fact]
    public void A_short_node_with_no_other_member_that_knows_the_Splice_frame_keeps_probing_as_with_OverlaySplice_off()
    {
        string[] legacy = ["a", "b", "c", "d", "e", "g", "h"];
        var f = Create(Plain(2, 2), eager: ["a"], lazy: ["b"], others: ["c", "d", "e", "g", "h"], legacy: legacy);
        var off = Create(Plain(2, 2) with { OverlaySplice = false }, eager: ["a"], lazy: ["b"], others: ["c", "d", "e", "g", "h"], legacy: legacy);

        var probingRounds = RefuseProbesUntil(f, TimeSpan.FromMinutes(5));
        RefuseProbesUntil(off, TimeSpan.FromMinutes(5));

        Assert.Empty(f.Output.OfType(FrameType.Splice));
        Assert.True(probingRounds >= 4, $"{probingRounds} probing rounds");
        Assert.Equal(off.Output.Lines, f.Output.Lines); // every stalled round probes: none is spent on a splice
    }

    [Theory]
    [InlineData(200, 41, 4)] // every 4th node runs the previous release
    [InlineData(160, 42, 2)] // every other one
    public void In_a_join_of_a_mixed_cluster_no_Splice_frame_reaches_a_legacy_member_and_the_overlay_fills(int n, int seed, int every)
    {
        var options = BroadcastOptions.Paper(manySenders: false);
        var degree = options.EagerFanout + options.LazyFanout;
        var net = new InMemoryNetwork(n, options, seed, legacy: i => i % every == 0);
        net.SetViewToLive();
        net.RunUntil(TimeSpan.FromSeconds(60));
        net.RunUntilQuiescent(Idle);

        Assert.Empty(net.SplicesToLegacy);
        Assert.True(net.FramesSent.GetValueOrDefault(FrameType.Splice) > 0, "the current members splice");
        var short_ = net.Live.Where(node => node.Peers.Count() < degree).Select(node => $"{node.Name}:{node.Peers.Count()}").ToList();
        var missing = net.Live.Sum(node => degree - node.Peers.Count());
        Assert.True(missing <= 2, $"missing link ends {missing}: {string.Join(", ", short_)}");
        Assert.All(net.Legacy, name => Assert.InRange(net[name].Peers.Count(), degree - 1, degree)); // legacy members are linked too
    }

    /// <summary>Ticks until <paramref name="until"/>, refusing every probe; returns the number of rounds that probed.</summary>
    private static int RefuseProbesUntil(EngineFixture f, TimeSpan until)
    {
        var probingRounds = 0;
        while (f.Engine.NextTickAt is { } due && due < until)
        {
            var before = f.Output.Sent.Count;
            f.Engine.Tick(due);
            var probes = f.Output.Sent.Skip(before).Where(s => s.Frame.Type == FrameType.Neighbor).ToList();
            probingRounds += probes.Count > 0 ? 1 : 0;
            foreach (var (to, _) in probes)
            {
                f.Engine.Receive(to, PlumtreeFrame.Disconnect(), due);
            }
        }

        return probingRounds;
    }

    private static List<string> RefuseProbesAndCollectSplices(EngineFixture f, TimeSpan until)
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

        return f.Output.OfType(FrameType.Splice).Select(s => RecordingOutput.Render(s.To, s.Frame)).ToList();
    }
}
