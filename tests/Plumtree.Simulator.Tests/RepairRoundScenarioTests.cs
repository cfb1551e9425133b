using Plumtree.Simulator.Core;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Tests;

/// <summary>
/// The engine's repair rounds run in the simulator: with frame loss, a message whose grafts were all lost is
/// grafted again in later rounds instead of being given up, and the rounds are counted in the run's JSON.
/// </summary>
public sealed class RepairRoundScenarioTests
{
    private static SimConfig Lossy(int? repairRounds = null) => Sim.Small(SimMode.Plumtree, nodes: 300, cycles: 30, warmup: 5, seed: 3) with
    {
        Loss = 0.2,
        GraftRepairRounds = repairRounds,
    };

    [Fact]
    public void With_frame_loss_repair_rounds_fetch_nearly_every_announced_message_and_are_counted_in_the_JSON()
    {
        var (result, summary) = Sim.Run(Lossy());
        var (without, withoutSummary) = Sim.Run(Lossy(repairRounds: 0));

        var engine = result.EngineCounters;
        Assert.True(engine.RepairRounds > 0, "lost grafts or their answers start repair rounds");
        Assert.Equal(0, without.EngineCounters.RepairRounds);
        Assert.True(without.EngineCounters.GraftFailed > 0, "without repair rounds some announced messages are given up");

        // With 20 % of every frame lost all rounds for a message can still fail now and then (0–2 messages per run
        // over seeds 1–8, with or without the overlay's splice rule), against dozens given up without the rounds.
        Assert.True(
            engine.GraftFailed * 10 <= without.EngineCounters.GraftFailed,
            $"repair rounds give up at most a tenth as many messages: {engine.GraftFailed} vs {without.EngineCounters.GraftFailed} without");
        Assert.True(
            summary.ReliabilityMean > withoutSummary.ReliabilityMean,
            $"repair rounds deliver more: {summary.ReliabilityMean} vs {withoutSummary.ReliabilityMean} without");

        // What is left undelivered was never announced to the node (every Gossip and IHave to it lost): only
        // anti-entropy could fetch it.
        Assert.InRange(summary.ReliabilityMean, 0.995, 1.0);

        var json = System.Text.Json.Nodes.JsonNode.Parse(Plumtree.Simulator.Output.ResultJson.Write(result))!;
        Assert.Equal(engine.RepairRounds, (long)json["diagnostics"]!["engine_repair_rounds"]!);
        Assert.Equal(3, (int)json["graft_repair_rounds"]!);
        Assert.Equal(0, (int)System.Text.Json.Nodes.JsonNode.Parse(Plumtree.Simulator.Output.ResultJson.Write(without))!["graft_repair_rounds"]!);
    }

    [Fact]
    public void Lossy_runs_with_repair_rounds_are_deterministic()
    {
        Assert.Equal(Sim.StableJson(Sim.Run(Lossy()).Result), Sim.StableJson(Sim.Run(Lossy()).Result));
    }
}
