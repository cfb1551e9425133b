using Plumtree.Simulator.Core;

namespace Plumtree.Simulator.Tests;

/// <summary>Zones in the simulator: a whole zone killed at once, and cross-zone link latencies.</summary>
public sealed class ZoneScenarioTests
{
    private static SimConfig ZoneKill(int seed, bool zoneAware) =>
        Sim.Small(SimMode.Plumtree, nodes: 300, cycles: 16, warmup: 10, seed: seed) with
        {
            Senders = SenderMode.Many,
            Scenario = Scenario.ZoneKill,
            Zones = 3,
            ZoneAware = zoneAware,
        };

    [Fact]
    public void With_zone_awareness_the_survivors_of_a_whole_zone_failure_keep_100_percent_reliability()
    {
        var withoutBelow100 = 0;
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var (result, summary) = Sim.Run(ZoneKill(seed, zoneAware: true));

            Assert.Equal(100, result.Records[10].Killed); // one zone of three, at once
            Assert.Equal(200, result.Records[10].Live);
            Assert.Equal(1.0, summary.FirstAfterFailureReliability);
            Assert.Equal(0, summary.HealingCycles);
            Assert.All(result.Records, r => Assert.Equal(1.0, r.Reliability));
            Assert.Equal(0, result.DuplicateDeliveries);

            // The same seeded run without zone awareness: some survivor had every peer in the lost zone.
            if (Sim.Run(ZoneKill(seed, zoneAware: false)).Summary.FirstAfterFailureReliability < 1.0)
            {
                withoutBelow100++;
            }
        }

        Assert.True(withoutBelow100 > 0, "the scenario should cut someone off without zone awareness");
    }

    [Fact]
    public void Zone_runs_are_deterministic()
    {
        var config = ZoneKill(5, zoneAware: true) with { EventMode = true, LatencyMinMs = 1, LatencyMaxMs = 5, CrossZoneLatencyMinMs = 40, CrossZoneLatencyMaxMs = 120, Nodes = 150, Rate = 5 };

        Assert.Equal(Sim.StableJson(Sim.Run(config).Result), Sim.StableJson(Sim.Run(config).Result));
    }

    [Fact]
    public void Links_between_zones_take_the_cross_zone_latency_range()
    {
        var network = new NetworkModel(
            TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), 0, new Random(3), zones: 3, TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(120));
        for (var a = 0; a < 30; a++)
        {
            for (var b = 0; b < 30; b++)
            {
                if (a == b)
                {
                    continue;
                }

                var ms = network.LinkDelay(a, b) / (double)TimeSpan.TicksPerMillisecond;
                if (a % 3 == b % 3)
                {
                    Assert.InRange(ms, 1, 5);
                }
                else
                {
                    Assert.InRange(ms, 40, 120);
                }
            }
        }

        Assert.False(network.ConstantLatency);
    }

    [Fact]
    public void In_event_mode_with_zones_every_broadcast_reaches_every_survivor_of_a_zone_failure()
    {
        var config = ZoneKill(4, zoneAware: true) with
        {
            EventMode = true,
            LatencyMinMs = 1,
            LatencyMaxMs = 5,
            CrossZoneLatencyMinMs = 40,
            CrossZoneLatencyMaxMs = 120,
            Rate = 5,
            Cycles = 20,
        };
        var (result, summary) = Sim.Run(config);

        Assert.Equal(1.0, summary.ReliabilityMin);
        Assert.Equal(200, result.Records[^1].Live);
        Assert.Equal(0, result.DuplicateDeliveries);
    }
}
