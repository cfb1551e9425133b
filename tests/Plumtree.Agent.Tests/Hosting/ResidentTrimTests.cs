using Microsoft.Extensions.Time.Testing;
using Plumtree.Agent.Hosting;

namespace Plumtree.Agent.Tests.Hosting;

public sealed class ResidentTrimTests
{
    [Fact]
    public async Task Trims_when_the_agents_age_doubles_then_every_five_minutes_until_stopped()
    {
        var time = new FakeTimeProvider();
        var releasedAt = new List<TimeSpan>();
        var reported = new List<long>();
        var start = time.GetUtcNow();
        using var stopping = new CancellationTokenSource();
        var run = ResidentTrim.RunAsync(
            () =>
            {
                releasedAt.Add(time.GetUtcNow() - start);
                return releasedAt.Count * 100L;
            },
            (kb, _) => reported.Add(kb),
            time,
            stopping.Token);

        // One second at a time for 20 minutes; each release happens on the timer's own thread before Advance returns.
        for (var i = 0; i < 20 * 60; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // 2 s, then each wait as long as the age so far (2, 4, 8, ... 512 s: the last doubling waits 256 s, under five
        // minutes), then five minutes at a time.
        var expected = new List<TimeSpan>();
        for (var s = 2; s <= 512; s *= 2)
        {
            expected.Add(TimeSpan.FromSeconds(s));
        }

        for (var t = TimeSpan.FromSeconds(512) + ResidentTrim.MaxInterval; t <= TimeSpan.FromMinutes(20); t += ResidentTrim.MaxInterval)
        {
            expected.Add(t);
        }

        Assert.Equal(expected, releasedAt);
        Assert.Equal(releasedAt.Select((_, i) => (i + 1) * 100L), reported);

        await stopping.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(expected.Count, releasedAt.Count);
    }
}
