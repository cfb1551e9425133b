using Plumtree.Agent.Tests.Support;
using Plumtree.Diagnostics;

namespace Plumtree.Agent.Tests.Deploy;

public sealed class PrometheusRulesTests
{
    private static readonly string Rules = Paths.Repo("deploy", "prometheus", "alerts.yml");

    [Fact]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var promtool = Tools.Require("promtool", "prometheus");

        var (code, output) = await Tools.RunAsync(promtool, ["check", "rules", Rules]);

        Assert.True(code == 0, $"promtool check rules exited {code}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_alert_fires_on_its_symptom_and_stays_quiet_otherwise()
    {
        var promtool = Tools.Require("promtool", "prometheus");

        var (code, output) = await Tools.RunAsync(promtool, ["test", "rules", Paths.Repo("deploy", "prometheus", "alerts.test.yml")]);

        Assert.True(code == 0, $"promtool test rules exited {code}:\n{output}");
    }

    [Theory]
    [InlineData("PlumtreeNodeIsolated", MetricNames.EagerPeers, MetricNames.LazyPeers)]
    [InlineData("PlumtreePartitionSuspected", MetricNames.MessagesPartitioned)]
    [InlineData("PlumtreeGraftFailuresRising", MetricNames.GraftFailed)]
    [InlineData("PlumtreePeersDroppedSuddenly", MetricNames.TotalPeers)]
    [InlineData("PlumtreeNodeDown", "up{job=\"plumtree\"}")]
    public void The_guides_symptoms_each_have_an_alert_on_the_right_metric(string alert, params string[] metrics)
    {
        var text = File.ReadAllText(Rules);
        var start = text.IndexOf($"- alert: {alert}", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no alert {alert}");
        var end = text.IndexOf("- alert:", start + 1, StringComparison.Ordinal);
        var rule = end < 0 ? text[start..] : text[start..end];

        Assert.All(metrics, m => Assert.Contains(m, rule, StringComparison.Ordinal));
        Assert.Contains("runbook: \"docs/operations/recovery.md#", rule, StringComparison.Ordinal);
    }
}
