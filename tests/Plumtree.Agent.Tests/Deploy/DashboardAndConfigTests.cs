using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Tests.Support;
using Plumtree.Diagnostics;

namespace Plumtree.Agent.Tests.Deploy;

public sealed partial class DashboardAndConfigTests
{
    private static readonly HashSet<string> Known = typeof(MetricNames).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.Name is not nameof(MetricNames.MeterName) and not nameof(MetricNames.NodeTag))
        .Select(f => (string)f.GetValue(null)!)
        .Concat(["plumtree_agent_handler_runs_total", "plumtree_agent_handler_dropped_total"])
        .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"plumtree_[a-z_]+")]
    private static partial Regex MetricName();

    private static string Base(string name)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && Known.Contains(name[..^suffix.Length]))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    [Fact]
    public void Every_dashboard_query_uses_only_metrics_the_agent_exports()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.Repo("deploy", "grafana", "plumtree.json")));
        var exprs = doc.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();

        Assert.NotEmpty(exprs);
        var used = exprs.SelectMany(e => MetricName().Matches(e).Select(m => Base(m.Value))).ToHashSet(StringComparer.Ordinal);
        Assert.All(used, name => Assert.Contains(name, Known));
        foreach (var symptom in new[] { MetricNames.EagerPeers, MetricNames.LazyPeers, MetricNames.TotalPeers, MetricNames.MessagesPartitioned, MetricNames.GraftFailed })
        {
            Assert.Contains(symptom, used);
        }

        Assert.Contains(exprs, e => e.Contains("count(up{job=\"$job\"} == 1)", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_alert_rule_uses_only_metrics_the_agent_exports()
    {
        var used = MetricName().Matches(File.ReadAllText(Paths.Repo("deploy", "prometheus", "alerts.yml"))).Select(m => Base(m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.All(used, name => Assert.Contains(name, Known));
    }

    [Fact]
    public void The_example_config_is_valid_for_the_agent()
    {
        var config = AgentConfiguration.Load(new AgentFlags { ConfigFile = Paths.Repo("deploy", "config", "plumtree.json") }, new Dictionary<string, string>());

        Assert.Equal(["seed1.example.com:7946", "seed2.example.com:7946", "seed3.example.com:7946"], config.Join);
        Assert.Equal("127.0.0.1:8080", config.Settings.Http.ToString());
        Assert.Equal("/var/lib/plumtree/data", config.Settings.DataDir);
    }
}
