namespace Plumtree.Simulator.Metrics;

/// <summary>
/// Where a run's wall time and allocations went, by phase (the join, then the cycles or the event-mode run). Process
/// measurements like <see cref="SimResult.WallSeconds"/>: they vary between identical runs, so they are never written to
/// the JSON; <c>plumtree-sim paper --timings</c> prints them to stderr.
/// </summary>
internal sealed class PhaseTimings
{
    /// <summary>Wall seconds from the start of the run to the end of the join (engines built before it).</summary>
    public double JoinWallSeconds { get; set; }

    /// <summary>Wall seconds of the cycles (cycle mode) or of the broadcasts (event mode).</summary>
    public double RunWallSeconds { get; set; }

    /// <summary>Wall seconds of the measurements at the end (overlay shape, counters).</summary>
    public double FinishWallSeconds { get; set; }

    /// <summary>CPU seconds of the process (every thread: the GC's too) from the start of the run to the end of the join.</summary>
    public double JoinCpuSeconds { get; set; }

    /// <summary>CPU seconds of the process during the cycles: on a shared machine a better measure of the work than wall time.</summary>
    public double RunCpuSeconds { get; set; }

    /// <summary>Bytes allocated on this thread during the join.</summary>
    public long JoinAllocatedBytes { get; set; }

    /// <summary>Bytes allocated on this thread during the cycles.</summary>
    public long RunAllocatedBytes { get; set; }

    /// <summary>Garbage collections of generations 0, 1 and 2 during the whole run.</summary>
    public int[] Collections { get; } = new int[3];
}
