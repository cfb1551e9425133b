namespace Plumtree.Agent.Hosting;

/// <summary>
/// Gives back what each phase of the agent's early life left resident and no longer uses: the pages of its executable
/// (<see cref="ImagePages"/>) and the managed heap's free space (a compacting collection that decommits what it frees,
/// <see cref="GCCollectionMode.Aggressive"/>). Start-up, the join, the first push/pull and overlay rounds and the first
/// request of each admin route each run code once and allocate once; what the agent runs all the time maps again
/// within milliseconds, and its heap's working set is small (a few MB live). Without it a clustered Native AOT agent kept
/// ~6.6 MB of its executable's code and a wholly touched 4 MB gen0 region resident (docs/operations.md, "Start-up").
/// </summary>
internal static class ResidentTrim
{
    /// <summary>How long after the admin API answers the first trim runs (the join and first rounds run first).</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between two trims once the agent has run for a while.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Trims <see cref="Delay"/> after the start and again each time the agent's age has doubled (2, 4, 8, ... 512 s
    /// after the start: the waits double while they are under <see cref="MaxInterval"/>), then every
    /// <see cref="MaxInterval"/>, until <paramref name="stopping"/> is cancelled. <paramref name="trim"/> returns the
    /// kilobytes of the executable it released, handed to <paramref name="trimmed"/> with how long the trim took.
    /// </summary>
    public static async Task RunAsync(Func<long> trim, Action<long, TimeSpan> trimmed, TimeProvider time, CancellationToken stopping)
    {
        var age = TimeSpan.Zero;
        var wait = Delay;
        try
        {
            while (true)
            {
                await Task.Delay(wait, time, stopping).ConfigureAwait(false);
                age += wait;
                var started = time.GetTimestamp();
                var released = trim();
                trimmed(released, time.GetElapsedTime(started));
                wait = age < MaxInterval ? age : MaxInterval;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The agent is stopping.
        }
    }

    /// <summary>
    /// One trim: the executable's clean pages (unless <see cref="ImagePages.KeepVariable"/> is set), then a blocking,
    /// compacting collection of every generation that decommits the heap's free space (a few milliseconds for the
    /// agent's heap). Returns the executable's kilobytes released.
    /// </summary>
    public static long Trim()
    {
        var released = ImagePages.Release();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return released;
    }
}
