using System.Diagnostics;
using Plumtree.Simulator.Core;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Cli;

/// <summary>Runs one configuration and stamps the process-level measurements (wall time, peak memory).</summary>
internal static class Runner
{
    public static SimResult Run(SimConfig config)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = new Simulation(config).Run();
        stopwatch.Stop();
        result.WallSeconds = stopwatch.Elapsed.TotalSeconds;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        result.PeakMemoryBytes = process.PeakWorkingSet64;
        return result;
    }
}
