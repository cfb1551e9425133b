using System.Text.Json.Nodes;
using Plumtree.Simulator.Core;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Tests;

/// <summary>The join's fill statistics (full time, missing link ends over time, degree histogram) and the splice rule behind them.</summary>
public sealed class JoinFillScenarioTests
{
    private static SimConfig Join(bool splice, int nodes = 300) =>
        Sim.Small(SimMode.Plumtree, nodes: nodes, cycles: 1, warmup: 0, seed: 3) with { Splice = splice };

    [Theory]
    [InlineData(300)]
    [InlineData(301)]
    public void With_the_splice_rule_every_node_reaches_the_degree_and_the_JSON_reports_when(int nodes)
    {
        var (result, _) = Sim.Run(Join(splice: true, nodes));

        var degree = 5; // the paper preset: EagerFanout 5 + LazyFanout 0
        Assert.NotNull(result.JoinFullSeconds);
        Assert.InRange(result.JoinFullSeconds!.Value, 1, 30);
        var histogram = result.DegreeHistogramAfterJoin;
        Assert.Equal(nodes, histogram.Sum());
        Assert.Equal(nodes - (nodes * degree % 2), histogram[degree]); // D·n odd: one node one short
        Assert.True(result.SpliceFramesInJoin > 0);
        Assert.Equal(0, result.OverlayAfterJoin.AsymmetricLinks);

        var trace = result.JoinTrace;
        Assert.InRange(trace[0].Seconds, 0, 1); // after the first exchange of requests settles
        Assert.True(trace[0].MissingLinkEnds > 0, "every node starts short");
        Assert.Equal(nodes * degree % 2, trace[^1].MissingLinkEnds);

        var join = JsonNode.Parse(Plumtree.Simulator.Output.ResultJson.Write(result))!["join"]!;
        Assert.InRange((double)join["full_seconds"]! - result.JoinFullSeconds.Value, -0.001, 0.001); // rounded to ms
        Assert.Equal(histogram, join["degree_histogram"]!.AsArray().Select(n => (long)n!).ToList());
        Assert.Equal(trace.Count, join["trace"]!.AsArray().Count);
    }

    [Fact]
    public void Without_it_random_probing_leaves_nodes_short_and_the_JSON_says_never()
    {
        var (result, _) = Sim.Run(Join(splice: false));

        Assert.Null(result.JoinFullSeconds);
        Assert.True(result.DegreeHistogramAfterJoin[5] < 300, "some node is short of the degree");
        Assert.Equal(0, result.SpliceFramesInJoin);
        var json = JsonNode.Parse(Plumtree.Simulator.Output.ResultJson.Write(result))!;
        Assert.Null(json["join"]!["full_seconds"]);
        Assert.Equal("off", (string)json["splice"]!);
    }
}
