using System.Diagnostics;
using System.Globalization;

namespace Plumtree.Agent.Hosting;

/// <summary>
/// With <c>PLUMTREE_STARTUP_TRACE=1</c>, the agent writes one line per start-up phase to standard error: milliseconds
/// since <c>Main</c> and the process's CPU time so far (all threads). Off by default; costs one environment read.
/// Used to measure the start-up path (docs/operations.md, "Start-up").
/// </summary>
internal static class StartupTrace
{
    /// <summary>The environment variable that turns the trace on.</summary>
    public const string Variable = "PLUMTREE_STARTUP_TRACE";

    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>True when the trace is on.</summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable(Variable) is "1" or "true";

    /// <summary>Writes <paramref name="phase"/> with the elapsed time and CPU time, when the trace is on.</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }

        if (phase == "main")
        {
            // Exec to Main: the runtime's own start (process start time has a 10 ms resolution).
            using var process = Process.GetCurrentProcess();
            var age = (TimeProvider.System.GetLocalNow() - process.StartTime).TotalMilliseconds;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plumtree startup: exec to main ~{age:F0} ms"));
        }

        var elapsed = Stopwatch.GetElapsedTime(Origin).TotalMilliseconds;
        var cpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plumtree startup: {elapsed,7:F1} ms  cpu {cpu,6:F0} ms  {phase}"));
    }

    /// <summary>
    /// Writes what a trim did (<see cref="ResidentTrim"/>): how much of the executable left the resident set
    /// (<see cref="ImagePages"/>), the managed heap committed after its collection, and how long the trim took (the
    /// collection pauses the agent's threads), when the trace is on.
    /// </summary>
    public static void Trimmed(long kilobytes, TimeSpan took)
    {
        if (Enabled)
        {
            var committed = GC.GetGCMemoryInfo().TotalCommittedBytes / 1024;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plumtree startup: trim: executable pages released {kilobytes} KiB, managed heap committed {committed} KiB, took {took.TotalMilliseconds:F1} ms"));
        }
    }

    /// <summary>Writes the managed heap's figures (what of the resident memory is the GC's), when the trace is on.</summary>
    public static void Memory(string when)
    {
        if (!Enabled)
        {
            return;
        }

        var info = GC.GetGCMemoryInfo();
        using var process = Process.GetCurrentProcess();
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"plumtree startup: {when}: managed heap {info.HeapSizeBytes / 1024} KiB (live {GC.GetTotalMemory(false) / 1024} KiB, committed {info.TotalCommittedBytes / 1024} KiB), gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, threads {process.Threads.Count}"));
    }
}

/// <summary>Marks the host's start phases in the <see cref="StartupTrace"/>; registered only when the trace is on.</summary>
internal sealed class StartupTraceService(string startPhase) : Microsoft.Extensions.Hosting.IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        StartupTrace.Mark("host starting (hosted services created)");
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartupTrace.Mark(startPhase);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        StartupTrace.Mark("every hosted service started (admin API listening)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
