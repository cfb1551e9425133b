using System.Globalization;
using System.Net;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>A real Prometheus (Debian's binary) scraping the three live agents every second, queried as the recovery guide does.</summary>
public sealed partial class LiveClusterTests
{
    [Fact]
    public async Task Prometheus_scrapes_every_agent_and_answers_the_recovery_guides_queries()
    {
        var prometheus = Tools.Require("prometheus", "prometheus");
        using var dir = new TempDir();
        var port = PortFinder.FreeTcpPort(IPAddress.Loopback);
        var targets = string.Join(", ", new[] { cluster.A, cluster.B, cluster.C }.Select(a => $"'{a.HttpAddress}'"));
        var config = dir.File("prometheus.yml", $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - '{Paths.Repo("deploy", "prometheus", "alerts.yml")}'
            scrape_configs:
              - job_name: plumtree
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: [{targets}]
            """);
        using var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(prometheus)
        {
            ArgumentList =
            {
                $"--config.file={config}",
                $"--storage.tsdb.path={dir.Combine("data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var logs = server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };

        async Task<double?> QueryAsync(string promql)
        {
            using var response = await http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), TestContext.Current.CancellationToken);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }

        try
        {
            await Eventually.UntilAsync(() => QueryAsync("count(up{job=\"plumtree\"} == 1)"), v => v == 3, TimeSpan.FromSeconds(60), "three targets up", TestContext.Current.CancellationToken);
            await Eventually.UntilAsync(() => QueryAsync("min(plumtree_eager_peers)"), v => v >= 1, TimeSpan.FromSeconds(60), "every agent has an eager peer", TestContext.Current.CancellationToken);
            Assert.Equal(3, await QueryAsync("count(plumtree_total_peers)"));
            Assert.Null(await QueryAsync("ALERTS{alertname=\"PlumtreeNodeIsolated\",alertstate=\"firing\"}"));
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
            _ = await logs;
        }
    }
}
