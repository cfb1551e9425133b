namespace Plumtree.Simulator.Tests;

/// <summary>
/// The engines' latency-aware optimisation (<c>LatencyOptimization</c>, rule 7 by arrival time) in event mode: after a
/// failure the graft repairs leave detours, and the rule reshapes the tree by time where the hop rule (or none) does not.
/// </summary>
public sealed class LatencyAwareTreeTests
{
    private static SimConfig Config(bool latency, bool optimization = true) => Sim.Small(SimMode.Plumtree, nodes: 1000, cycles: 40, warmup: 10, seed: 7) with
    {
        EventMode = true,
        Senders = SenderMode.Single,
        Scenario = Scenario.Kill,
        KillPercent = 30,
        GraftTimeoutMs = 500,
        GraftRetryTimeoutMs = 250,
        Optimization = optimization,
        LatencyOptimization = latency,
        ShortestPaths = true,
    };

    [Fact]
    public void After_a_failure_the_latency_aware_tree_delivers_sooner_than_the_hop_only_tree_with_RMR_bounded()
    {
        var (latency, _) = Sim.Run(Config(latency: true));
        var (hops, _) = Sim.Run(Config(latency: false));
        var (none, _) = Sim.Run(Config(latency: false, optimization: false));

        // 30% of the nodes die at broadcast 10; broadcasts 30-39 show the tree the repair and the optimisation left.
        static double Ttl(Metrics.SimResult r) => r.Records.Skip(30).Average(c => c.TimeToLastDeliveryMs);
        var settled = latency.Records.Skip(30).ToList();
        Assert.All(settled, c => Assert.Equal(1.0, c.Reliability));
        Assert.InRange(settled.Average(c => c.Rmr!.Value), 0, 0.05);
        Assert.True(latency.EngineCounters.Optimizations > 0);

        Assert.True(Ttl(latency) < 0.8 * Ttl(hops), $"latency-aware {Ttl(latency):F0} ms, hop-only {Ttl(hops):F0} ms");
        Assert.True(Ttl(latency) < 0.8 * Ttl(none), $"latency-aware {Ttl(latency):F0} ms, no optimisation {Ttl(none):F0} ms");

        // Within 1.5 times a flood over the same overlay and links (Dijkstra from the origin over the peer sets).
        Assert.InRange(settled.Average(c => c.TimeToLastDeliveryMs / c.ShortestPathMs!.Value), 1.0 - 1e-9, 1.5);
    }
}
