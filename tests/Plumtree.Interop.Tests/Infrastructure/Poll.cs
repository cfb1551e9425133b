using System.Diagnostics;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>Bounded polling: state in another process raises no event we could await.</summary>
internal static class Poll
{
    /// <summary>The default bound of every wait: generous, so a slow machine does not fail a correct run.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test with <paramref name="what"/> (and the last observation) at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Deadline;
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:0} s waiting until {what()}.");
            }

            await Task.Delay(Interval, Ct).ConfigureAwait(false);
        }
    }

    public static Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? deadline = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, deadline);
}
