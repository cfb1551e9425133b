using System.Text.Json.Nodes;
using Plumtree.Simulator.Core;
using Plumtree.Simulator.Metrics;
using Plumtree.Simulator.Output;

namespace Plumtree.Simulator.Tests;

/// <summary>Test helpers: run a config, summarise it, and compare JSON without the volatile fields.</summary>
internal static class Sim
{
    public static (SimResult Result, RunSummary Summary) Run(SimConfig config)
    {
        var result = new Simulation(config).Run();
        return (result, RunSummary.From(result));
    }

    public static SimConfig Small(SimMode mode = SimMode.Flood, int nodes = 300, int cycles = 40, int warmup = 10, int seed = 7) => new()
    {
        Mode = mode,
        Nodes = nodes,
        Cycles = cycles,
        Warmup = warmup,
        Seed = seed,
    };

    /// <summary>The run's JSON with wall time and peak memory removed (everything else must be reproducible).</summary>
    public static string StableJson(SimResult result)
    {
        var node = JsonNode.Parse(ResultJson.Write(result))!.AsObject();
        foreach (var name in ResultJson.VolatileProperties)
        {
            Assert.True(node.Remove(name), $"the JSON should carry {name}");
        }

        return node.ToJsonString();
    }

    /// <summary>Smallest depth h of a tree whose root has r children and other nodes d, holding n nodes (performance-anchors §7).</summary>
    public static int TreeDepthLowerBound(int n, int r, int d)
    {
        var h = 0;
        double reach = 1, level = r;
        while (reach < n)
        {
            reach += level;
            level *= d;
            h++;
        }

        return h;
    }
}
