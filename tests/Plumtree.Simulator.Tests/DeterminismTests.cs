namespace Plumtree.Simulator.Tests;

public sealed class DeterminismTests
{
    [Fact]
    public void Two_runs_with_the_same_seed_give_identical_JSON_apart_from_wall_time_and_memory()
    {
        var config = Sim.Small(nodes: 300, cycles: 30, warmup: 5) with
        {
            Scenario = Scenario.Churn,
            ChurnPerCycle = 3,
            ChurnCycles = 10,
            Senders = SenderMode.Many,
            Loss = 0.01,
        };

        var first = Sim.StableJson(Sim.Run(config).Result);
        var second = Sim.StableJson(Sim.Run(config).Result);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Event_mode_runs_are_deterministic_too()
    {
        var config = Sim.Small(nodes: 200, cycles: 15, warmup: 3) with
        {
            EventMode = true,
            LatencyMinMs = 5,
            LatencyMaxMs = 50,
            Rate = 20,
            Scenario = Scenario.Kill,
            KillPercent = 10,
            Senders = SenderMode.Many,
        };

        Assert.Equal(Sim.StableJson(Sim.Run(config).Result), Sim.StableJson(Sim.Run(config).Result));
    }

    [Fact]
    public void A_different_seed_gives_a_different_run()
    {
        var a = Sim.StableJson(Sim.Run(Sim.Small(seed: 1) with { Senders = SenderMode.Many }).Result);
        var b = Sim.StableJson(Sim.Run(Sim.Small(seed: 2) with { Senders = SenderMode.Many }).Result);

        Assert.NotEqual(a, b);
    }
}
