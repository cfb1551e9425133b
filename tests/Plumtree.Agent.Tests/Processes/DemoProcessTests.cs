using System.Net;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

public sealed class DemoProcessTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("51")]
    public async Task A_node_count_out_of_range_is_a_usage_error(string nodes)
    {
        var result = await CliRunner.RunAsync(null, "demo", "--nodes", nodes);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--nodes", result.Error, StringComparison.Ordinal);
    }

    // Needs the real node.
    [Fact]
    public async Task The_demo_runs_a_local_cluster_that_broadcasts_and_stops_cleanly_on_SIGTERM()
    {
        var basePort = PortFinder.FreeTcpPort(IPAddress.Loopback);
        // No plumtree on PATH, as when the demo is run from a checkout with dotnet run before tools/install.sh.
        using var noTools = new TempDir();
        using var demo = AgentProcess.Start(["demo", "--nodes", "3", "--interval", "0.5", "--http-base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string> { ["PATH"] = noTools.Path });
        await Eventually.UntilAsync(() => Task.FromResult(demo.Stdout), o => o.Contains("Demo cluster running", StringComparison.Ordinal) || demo.HasExited, TimeSpan.FromSeconds(60), "demo started", TestContext.Current.CancellationToken);
        Assert.False(demo.HasExited, demo.ToString());

        // Normally the base port itself; another process may have taken it since it was found free, and then the
        // demo picks a free one and says which.
        var firstAdmin = System.Text.RegularExpressions.Regex.Match(demo.Stdout, @"started demo-1: membership \S+, admin http://(\S+)").Groups[1].Value;
        Assert.NotEmpty(firstAdmin);
        Assert.Contains($"curl -s http://{firstAdmin}/v1/members", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\nLive dashboard: http://{firstAdmin}/ui (open it in a browser; every node serves one at /ui)\n", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains($"plumtree members --http {firstAdmin}", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("plumtree is not on PATH: `bash tools/install.sh` (in the repository) installs it.", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\n  dotnet run --project src/Plumtree.Agent.Launcher -c Release -- members --http {firstAdmin}\n", demo.Stdout, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.UntilAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"http://{firstAdmin}/v1/members", TestContext.Current.CancellationToken)).RootElement.GetProperty("members").GetArrayLength(),
            n => n == 3,
            TimeSpan.FromSeconds(60),
            "demo-1 sees three members", TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"http://{firstAdmin}/v1/messages", TestContext.Current.CancellationToken)).RootElement.GetProperty("messages").GetArrayLength(),
            n => n >= 2,
            TimeSpan.FromSeconds(60),
            "demo broadcasts delivered on demo-1", TestContext.Current.CancellationToken);
        using (var dashboard = await http.GetAsync($"http://{firstAdmin}/ui", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        }

        demo.Terminate();

        Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("stopping the demo cluster", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("demo stopped (3 node(s) left the cluster)", demo.Stdout, StringComparison.Ordinal);

        // Piped output is neither wrapped at 80 columns nor cluttered with the host's lifetime lines.
        Assert.Matches(@"(?m)^demo-\d broadcast [0-9a-f]{32}: ""demo message #\d+ from demo-\d""$", demo.Stdout);
        Assert.DoesNotContain("Microsoft.Hosting.Lifetime", demo.Stdout, StringComparison.Ordinal);
    }
}
