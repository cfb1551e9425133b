using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>Per-link graft timers (docs/broadcast.md, "Per-link graft timers"): timeout2 follows the announcer's RTT, with a cross-zone floor.</summary>
public sealed class LinkTimingTests
{
    // Global profile 200 ms / 100 ms, factor 2, floor 100 ms.
    private static BroadcastOptions Options(double factor = 2) => Plain(1, 3) with
    {
        IHaveInterval = TimeSpan.Zero,
        GraftTimeout = Ms(200),
        GraftRetryTimeout = Ms(100),
        GraftRttFactor = factor,
        CrossZoneGraftFloor = Ms(100),
    };

    /// <summary>self in zone A with eager e; lazy a and b in A, lazy x in B.</summary>
    private static EngineFixture Zoned(BroadcastOptions options)
    {
        var zones = new Dictionary<string, string> { ["self"] = "A", ["e"] = "A", ["a"] = "A", ["b"] = "A", ["x"] = "B" };
        var f = Create(options, eager: ["e"], lazy: ["a", "b", "x"]);
        f.Arrange(PeerView.CreateZoned([.. zones.Keys], zones, 1), ["e"], ["a", "b", "x"]);
        return f;
    }

    /// <summary>The time of each Graft sent while the timers run to <paramref name="until"/>.</summary>
    private static List<(TimeSpan At, string Line)> GraftTimes(EngineFixture f, TimeSpan until)
    {
        var grafts = new List<(TimeSpan, string)>();
        while (f.Engine.NextTickAt is { } due && due <= until)
        {
            var before = f.Output.Sent.Count;
            f.Engine.Tick(due);
            grafts.AddRange(f.Output.Sent.Skip(before).Where(s => s.Frame.Type == FrameType.Graft).Select(s => (due, RecordingOutput.Render(s.To, s.Frame))));
        }

        return grafts;
    }

    [Fact]
    public void Timeout2_follows_the_announcers_measured_RTT_and_timeout1_stays_the_global_one()
    {
        var f = Zoned(Options() with { GraftRetryTimeout = Ms(400) });
        f.Engine.ObserveRtt("a", Ms(150)); // timeout2 300 ms
        f.Engine.ObserveRtt("b", Ms(30)); // timeout2 60 ms

        f.IHave("a", TimeSpan.Zero, (1, 3));
        f.IHave("b", TimeSpan.Zero, (1, 3));
        f.IHave("b", TimeSpan.Zero, (2, 3));
        f.IHave("a", TimeSpan.Zero, (2, 3));

        Assert.Equal(
            [(Ms(200), "a: Graft m1 hop 3"), (Ms(200), "b: Graft m2 hop 3"), (Ms(260), "a: Graft m2 hop 3"), (Ms(500), "b: Graft m1 hop 3")],
            GraftTimes(f, Ms(2000)).Take(4));
    }

    [Fact]
    public void Without_an_RTT_sample_or_with_the_factor_0_the_global_timers_apply()
    {
        foreach (var (factor, sample) in new[] { (2.0, false), (0.0, true) })
        {
            var f = Zoned(Options(factor));
            if (sample)
            {
                f.Engine.ObserveRtt("a", Ms(20));
                f.Engine.ObserveRtt("b", Ms(20));
            }

            f.IHave("a", TimeSpan.Zero, (1, 3));
            f.IHave("b", TimeSpan.Zero, (1, 3));

            Assert.Equal([(Ms(200), "a: Graft m1 hop 3"), (Ms(300), "b: Graft m1 hop 3")], GraftTimes(f, Ms(1000)).Take(2));
        }
    }

    [Fact]
    public void A_fast_link_waits_at_least_10_ms_and_a_slow_one_at_most_the_global_timeout2()
    {
        var f = Zoned(Options());
        f.Engine.ObserveRtt("a", Ms(1)); // 2 ms → 10 ms
        f.Engine.ObserveRtt("b", Ms(1000)); // 2 s → 100 ms, the profile's timeout2
        f.IHave("a", TimeSpan.Zero, (1, 3));
        f.IHave("b", TimeSpan.Zero, (1, 3));
        f.IHave("b", TimeSpan.Zero, (2, 3));
        f.IHave("a", TimeSpan.Zero, (2, 3));

        var grafts = GraftTimes(f, Ms(2000));
        Assert.Contains((Ms(200), "a: Graft m1 hop 3"), grafts);
        Assert.Contains((Ms(210), "b: Graft m1 hop 3"), grafts); // timeout2 of a: 10 ms
        Assert.Contains((Ms(200), "b: Graft m2 hop 3"), grafts);
        Assert.Contains((Ms(300), "a: Graft m2 hop 3"), grafts); // timeout2 of b: the ceiling, 100 ms
    }

    [Fact]
    public void A_peer_in_another_zone_never_waits_less_than_the_cross_zone_floor()
    {
        var f = Zoned(Options());
        f.Engine.ObserveRtt("x", Ms(5)); // would be 10 ms; cross-zone: 100 ms
        f.Engine.ObserveRtt("a", Ms(5));
        f.IHave("x", TimeSpan.Zero, (1, 3));
        f.IHave("a", TimeSpan.Zero, (1, 3));
        f.IHave("a", TimeSpan.Zero, (2, 3));
        f.IHave("x", TimeSpan.Zero, (2, 3));

        var grafts = GraftTimes(f, Ms(1000));
        Assert.Contains((Ms(200), "x: Graft m1 hop 3"), grafts);
        Assert.Contains((Ms(300), "a: Graft m1 hop 3"), grafts); // timeout2 after grafting x: the floor
        Assert.Contains((Ms(200), "a: Graft m2 hop 3"), grafts);
        Assert.Contains((Ms(210), "x: Graft m2 hop 3"), grafts); // same zone: the RTT rule

        // Without an RTT sample a cross-zone peer still gets the floor when the global timeout2 is shorter (above the ceiling).
        var g = Zoned(Options() with { GraftTimeout = Ms(40), GraftRetryTimeout = Ms(20) });
        g.IHave("x", TimeSpan.Zero, (1, 3));
        g.IHave("a", TimeSpan.Zero, (1, 3));
        Assert.Equal([(Ms(40), "x: Graft m1 hop 3"), (Ms(140), "a: Graft m1 hop 3")], GraftTimes(g, Ms(1000)).Take(2));
    }
}
