using System.Text.Json;
using System.Text.RegularExpressions;
using Plumtree.Agent.Tests.Support;
using Plumtree.Diagnostics;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// The Grafana dashboard and the alert rules watch series a running agent really exports, with the label values
/// they select (<c>store="messages"</c>, <c>state=~"alive|suspect"</c>, ...), not only names that exist in code.
/// </summary>
public sealed partial class LiveClusterTests
{
    /// <summary>
    /// Series a healthy three-node cluster cannot show: a histogram exists from its first observation, and a
    /// cluster whose every link is eager never grafts. Recorded by the node in NodeFailureTests (a real graft).
    /// </summary>
    private static readonly HashSet<string> OnlyAfterAGraft = new(StringComparer.Ordinal)
    {
        MetricNames.GraftLatency + "_bucket",
        MetricNames.GraftLatency + "_sum",
        MetricNames.GraftLatency + "_count",
    };

    [GeneratedRegex(@"\b(?<name>plumtree_[a-z_]+)\s*(\{(?<matchers>[^}]*)\})?")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[a-z_]+)\s*(?<op>=~|!~|!=|=)\s*""(?<value>[^""]*)""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+\S+")]
    private static partial Regex SampleLine();

    [Fact]
    public async Task Every_series_the_dashboard_and_the_alerts_select_is_exported_by_a_running_agent()
    {
        // A delivery on live-b runs its handler, so the agent's own handler series exist too.
        var before = await cluster.B.AgentCounterAsync("plumtree_agent_handler_runs_total");
        await cluster.A.BroadcastAsync("series-" + Guid.NewGuid().ToString("N"));
        await Eventually.UntilAsync(
            () => cluster.B.AgentCounterAsync("plumtree_agent_handler_runs_total"),
            runs => runs > before,
            LiveClusterFixture.Bound,
            "live-b runs its handler for the broadcast",
            TestContext.Current.CancellationToken);

        var exported = ParseSamples(await cluster.B.MetricsAsync());
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Paths.Repo("deploy", "grafana", "plumtree.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => ("dashboard", t.GetProperty("expr").GetString()!))
            .Concat(AlertExpressions().Select(e => ("alerts.yml", e)))
            .ToList();
        Assert.NotEmpty(queries);

        var missing = new List<string>();
        var checkedSelectors = 0;
        foreach (var (source, query) in queries)
        {
            foreach (Match selector in Selector().Matches(query))
            {
                var name = selector.Groups["name"].Value;
                if (OnlyAfterAGraft.Contains(name))
                {
                    continue;
                }

                checkedSelectors++;
                var matchers = Matcher().Matches(selector.Groups["matchers"].Value)
                    .Where(m => m.Groups["label"].Value != "job" && !m.Groups["value"].Value.Contains('$', StringComparison.Ordinal))
                    .ToList();
                if (!exported.Any(s => s.Name == name && matchers.All(m => Matches(s.Labels, m))))
                {
                    missing.Add($"{source}: {selector.Value} (in {query})");
                }
            }
        }

        Assert.True(checkedSelectors > 40, $"only {checkedSelectors} selectors found: the parser missed the queries");
        Assert.True(missing.Count == 0, "not exported by a running agent:\n" + string.Join("\n", missing));
    }

    private static IEnumerable<string> AlertExpressions()
    {
        // alerts.yml: each rule's expr, one line or a "|" block indented below it.
        var lines = File.ReadAllLines(Paths.Repo("deploy", "prometheus", "alerts.yml"));
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("expr:", StringComparison.Ordinal))
            {
                continue;
            }

            var inline = trimmed["expr:".Length..].Trim();
            if (inline != "|")
            {
                yield return inline;
                continue;
            }

            var indent = lines[i].Length - trimmed.Length;
            var block = new List<string>();
            while (i + 1 < lines.Length && (lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent || lines[i + 1].Trim().Length == 0))
            {
                block.Add(lines[++i].Trim());
            }

            yield return string.Join(' ', block);
        }
    }

    private static List<(string Name, Dictionary<string, string> Labels)> ParseSamples(string text)
    {
        var samples = new List<(string, Dictionary<string, string>)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || SampleLine().Match(line) is not { Success: true } sample)
            {
                continue;
            }

            var labels = Matcher().Matches(sample.Groups["labels"].Value)
                .Where(m => m.Groups["op"].Value == "=")
                .ToDictionary(m => m.Groups["label"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
            samples.Add((sample.Groups["name"].Value, labels));
        }

        return samples;
    }

    private static bool Matches(Dictionary<string, string> labels, Match matcher)
    {
        var value = labels.GetValueOrDefault(matcher.Groups["label"].Value, string.Empty);
        var expected = matcher.Groups["value"].Value;
        return matcher.Groups["op"].Value switch
        {
            "=" => value == expected,
            "!=" => value != expected,
            "=~" => Regex.IsMatch(value, $"^(?:{expected})$", RegexOptions.None, TimeSpan.FromSeconds(1)),
            _ => !Regex.IsMatch(value, $"^(?:{expected})$", RegexOptions.None, TimeSpan.FromSeconds(1)),
        };
    }
}
