using Plumtree.Simulator.Core;

namespace Plumtree.Simulator.Tests;

/// <summary>The simulator's shortcuts for 100,000 nodes change nothing a run measures.</summary>
public sealed class ScaleTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(10)]
    [InlineData(1_000)]
    [InlineData(1_001)]
    public void Every_node_name_maps_back_to_its_index_and_other_names_to_none(int nodes)
    {
        var sim = new Simulation(Sim.Small(SimMode.Plumtree, nodes: nodes, cycles: 1, warmup: 0));
        for (var i = 0; i < nodes; i++)
        {
            Assert.Equal(i, sim.IndexOf(sim.Names[i]));
            Assert.Equal(i, sim.IndexOf(new string(sim.Names[i].AsSpan()))); // another instance of the same name
        }

        var digits = sim.Names[0].Length - 1;
        Assert.Equal(-1, sim.IndexOf("n" + nodes.ToString("D" + digits, System.Globalization.CultureInfo.InvariantCulture))); // one past the last
        Assert.Equal(-1, sim.IndexOf("x" + sim.Names[0][1..]));
        Assert.Equal(-1, sim.IndexOf(sim.Names[0] + "0"));
        Assert.Equal(-1, sim.IndexOf("n" + new string('a', digits)));
        Assert.Equal(-1, sim.IndexOf(string.Empty));
    }

    [Fact]
    public void A_run_reports_where_its_time_and_allocations_went_without_touching_the_JSON()
    {
        var config = Sim.Small(SimMode.Plumtree, nodes: 200, cycles: 12, warmup: 2);

        var (first, _) = Sim.Run(config);
        var (second, _) = Sim.Run(config);

        var t = first.Timings;
        Assert.True(t.JoinWallSeconds > 0 && t.RunWallSeconds > 0 && t.FinishWallSeconds >= 0);
        Assert.True(t.JoinAllocatedBytes > 0 && t.RunAllocatedBytes > 0);
        Assert.All(t.Collections, count => Assert.True(count >= 0));
        Assert.DoesNotContain("timing", Output.ResultJson.Write(first), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Sim.StableJson(first), Sim.StableJson(second));
    }
}
