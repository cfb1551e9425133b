using System.Reflection;
using Plumtree.Agent.Tests.Support;
using Plumtree.Diagnostics;

namespace Plumtree.Agent.Tests.Deploy;

public sealed class DocsTests
{
    private static string Doc(params string[] path) => File.ReadAllText(Paths.Repo(["docs", .. path]));

    public static TheoryData<string> MetricNameValues()
    {
        var data = new TheoryData<string>();
        foreach (var field in typeof(MetricNames).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.Name.Length > 0 && f.Name is not nameof(MetricNames.MeterName) and not nameof(MetricNames.NodeTag) and not nameof(MetricNames.StorageErrorsDescription)))
        {
            data.Add((string)field.GetValue(null)!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MetricNameValues))]
    public void Metrics_md_gives_every_metric_a_row_with_its_type(string name)
    {
        var row = Doc("metrics.md").Split('\n').SingleOrDefault(l => l.StartsWith($"| `{name}` |", StringComparison.Ordinal));

        Assert.NotNull(row);
        Assert.Matches(@"\| (gauge|counter|histogram) \|", row);
    }

    [Theory]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/health")]
    [InlineData("GET", "/debug/peers")]
    [InlineData("GET", "/debug/state")]
    [InlineData("GET", "/v1/members")]
    [InlineData("POST", "/v1/broadcast")]
    [InlineData("GET", "/v1/messages")]
    [InlineData("GET", "/v1/messages/stream")]
    [InlineData("POST", "/v1/join")]
    [InlineData("POST", "/v1/leave")]
    [InlineData("POST", "/v1/rebalance")]
    [InlineData("POST", "/v1/cache/clear")]
    [InlineData("GET", "/v1/events")]
    [InlineData("GET", "/debug/cluster")]
    [InlineData("GET", "/ui")]
    public void Http_md_documents_every_route(string method, string path)
    {
        var doc = Doc("http.md");

        Assert.Contains($"| {method} | [`{path}", doc, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Isolated node", "plumtree join")]
    [InlineData("Network partition", "plumtree rebalance")]
    [InlineData("Multiple node failure", "count(up{job=\"plumtree\"} == 1)")]
    [InlineData("Total cluster loss", "rm -rf /var/lib/plumtree/data/*")]
    [InlineData("Message cache corruption", "plumtree cache clear")]
    [InlineData("Split brain with data divergence", "plumtree_sync_messages_recovered_total")]
    public void The_runbook_has_a_section_per_scenario_of_the_guide_with_this_projects_commands(string scenario, string command)
    {
        var doc = Doc("operations", "recovery.md");
        var start = doc.IndexOf($"\n## {scenario}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section '{scenario}'");
        var end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);

        Assert.Contains(command, doc[start..end], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_links_to_an_existing_runbook_section()
    {
        var anchors = Doc("operations", "recovery.md").Split('\n')
            .Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => l[3..].Trim().ToLowerInvariant().Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);
        var links = File.ReadAllLines(Paths.Repo("deploy", "prometheus", "alerts.yml"))
            .Where(l => l.Contains("recovery.md#", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf('#', StringComparison.Ordinal) + 1)..].TrimEnd('"'))
            .ToList();

        Assert.NotEmpty(links);
        Assert.All(links, anchor => Assert.Contains(anchor, anchors));
    }

    [Fact]
    public void Cli_md_documents_the_exit_codes_and_every_verb()
    {
        var doc = Doc("cli.md");

        foreach (var code in new[] { "| 0 |", "| 1 |", "| 2 |", "| 3 |" })
        {
            Assert.Contains(code, doc, StringComparison.Ordinal);
        }

        foreach (var verb in new[] { "`members`", "`peers`", "`state`", "`health`", "`broadcast TEXT`", "`join ADDR...`", "`leave`", "`rebalance`", "`cache clear`", "`plumtree keygen`", "`plumtree demo`", "`plumtree agent`" })
        {
            Assert.Contains(verb, doc, StringComparison.Ordinal);
        }
    }
}
