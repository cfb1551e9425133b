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

    [Theory]
    [InlineData("10.96.0.10", "10.96.0.10:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    [InlineData("::1", "[::1]:53")]
    public void A_dns_server_is_an_ip_with_port_53_by_default(string text, string endPoint)
    {
        var options = new PlumtreeHostingOptions { DnsServer = text };

        Assert.Empty(options.Validate());
        Assert.Equal(endPoint, options.DnsServerEndPoint?.ToString());
    }

    [Theory]
    [InlineData("dns.example.com")]
    [InlineData("10.0.0.1:0")]
    [InlineData("10.0.0.1:99999")]
    [InlineData("")]
    public void A_bad_dns_server_names_its_key(string text)
    {
        var error = Assert.Single(new PlumtreeHostingOptions { DnsServer = text }.Validate());

        Assert.StartsWith("Plumtree:DnsServer: ", error, StringComparison.Ordinal);
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
