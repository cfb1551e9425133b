using Plumtree.Hosting;

namespace Plumtree.Hosting.Tests;

public sealed class PlumtreeHostingOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(new PlumtreeHostingOptions().Validate());
    }

    [Fact]
    public void A_bad_seed_is_reported_under_its_configuration_path()
    {
        var options = new PlumtreeHostingOptions { Join = ["10.0.0.1:7946", "10.0.0.2:99999"] };
        var error = Assert.Single(options.Validate());
        Assert.StartsWith("Plumtree:Join:1:", error, StringComparison.Ordinal);
        Assert.Contains("99999", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_bad_timing_names_its_key()
    {
        var options = new PlumtreeHostingOptions
        {
            JoinRetryInitialDelay = TimeSpan.Zero,
            JoinRetryMaxDelay = TimeSpan.FromSeconds(-1),
            JoinReadyTimeout = TimeSpan.FromSeconds(-1),
            LeaveTimeout = TimeSpan.Zero,
        };
        var errors = options.Validate();
        Assert.Contains(errors, e => e.StartsWith("Plumtree:JoinRetryInitialDelay:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Plumtree:JoinRetryMaxDelay:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Plumtree:JoinReadyTimeout:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Plumtree:LeaveTimeout:", StringComparison.Ordinal));
    }

    [Fact]
    public void Backoff_doubles_up_to_the_cap()
    {
        var delay = TimeSpan.FromSeconds(1);
        var seen = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            seen.Add(delay.TotalSeconds);
            delay = PlumtreeHostedService.NextDelay(delay, TimeSpan.FromSeconds(30));
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], seen);
    }
}
