namespace Plumtree.Simulator.Tests;

public sealed class EventModeTests
{
    [Fact]
    public void With_a_constant_latency_time_to_last_delivery_is_LDH_times_the_latency()
    {
        var config = Sim.Small(nodes: 300, cycles: 10, warmup: 2) with { EventMode = true, LatencyMinMs = 10, LatencyMaxMs = 10, Rate = 5, Senders = SenderMode.Many };
        var (result, _) = Sim.Run(config);

        Assert.All(result.Records, r =>
        {
            Assert.Equal(1.0, r.Reliability);
            Assert.Equal(r.Ldh * 10.0, r.TimeToLastDeliveryMs, 6);
        });
    }

    [Fact]
    public void With_uniform_latency_time_to_last_delivery_is_bounded_by_the_hops()
    {
        var config = Sim.Small(nodes: 300, cycles: 10, warmup: 2) with { EventMode = true, LatencyMinMs = 10, LatencyMaxMs = 100, Rate = 50, Senders = SenderMode.Many };
        var (result, _) = Sim.Run(config);

        Assert.All(result.Records, r =>
        {
            Assert.Equal(1.0, r.Reliability);
            Assert.InRange(r.TimeToLastDeliveryMs, r.Ldh * 10.0, r.Ldh * 100.0);
        });
    }

    [Fact]
    public void Overlapping_broadcasts_are_measured_separately()
    {
        // 1,000 broadcasts per second with 10–100 ms links: about 50 messages in flight at once.
        var config = Sim.Small(nodes: 200, cycles: 60, warmup: 0) with { EventMode = true, Rate = 1000, Senders = SenderMode.Many };
        var (result, summary) = Sim.Run(config);

        Assert.All(result.Records, r => Assert.Equal(5 + (199 * 4), r.Payload));
        Assert.Equal(1.0, summary.ReliabilityMin);
        Assert.Equal(0, result.DuplicateDeliveries);
    }

    [Fact]
    public void Failed_nodes_leave_the_flood_overlay_after_the_detection_delay()
    {
        var config = Sim.Small(nodes: 400, cycles: 20, warmup: 5) with
        {
            EventMode = true,
            Rate = 10,
            DetectionMs = 500,
            Scenario = Scenario.Kill,
            KillPercent = 30,
            Senders = SenderMode.Many,
        };
        var (result, _) = Sim.Run(config);

        // Broadcasts every 100 ms: the five after the kill still push to dead neighbours, later ones do not.
        Assert.All(result.Records.Skip(5).Take(5), r => Assert.True(r.Payload < 5 + ((r.Delivered - 1) * 4)));
        Assert.All(result.Records.Skip(11), r =>
        {
            Assert.Equal(1.0, r.Reliability);
            Assert.InRange(r.Rmr!.Value, 2.95, 3.1);
        });
    }
}
