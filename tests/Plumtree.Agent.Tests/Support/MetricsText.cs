using System.Globalization;
using System.Text.RegularExpressions;

namespace Plumtree.Agent.Tests.Support;

/// <summary>Reads series out of Prometheus text exposition (<c>name{label="value",...} value [timestamp]</c>).</summary>
internal static partial class MetricsText
{
    /// <summary>
    /// The sum of the values of <paramref name="metric"/>'s series whose labels include every <c>name=value</c> of
    /// <paramref name="labels"/>; 0 when no series matches.
    /// </summary>
    public static double Sum(string text, string metric, IReadOnlyCollection<string> labels)
    {
        var wanted = labels.Select(l => l.Split('=', 2)).Select(p => (Name: p[0], Value: p[1])).ToList();
        var sum = 0.0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[metric.Length..];
            var series = new Dictionary<string, string>(StringComparer.Ordinal);
            if (rest.StartsWith('{'))
            {
                var close = rest.LastIndexOf('}');
                foreach (Match label in Label().Matches(rest[1..close]))
                {
                    series[label.Groups["name"].Value] = label.Groups["value"].Value;
                }

                rest = rest[(close + 1)..];
            }
            else if (!rest.StartsWith(' '))
            {
                continue; // another metric whose name starts with this one
            }

            if (wanted.All(w => series.TryGetValue(w.Name, out var v) && v == w.Value))
            {
                sum += double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    /// <summary>
    /// The sums of <paramref name="metric"/>'s series whose labels include every <c>name=value</c> of
    /// <paramref name="labels"/>, by the value of label <paramref name="by"/> (series without it are left out).
    /// </summary>
    public static IReadOnlyDictionary<string, double> SumBy(string text, string metric, string by, IReadOnlyCollection<string> labels)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            if (raw.StartsWith(metric + "{", StringComparison.Ordinal))
            {
                var close = raw.LastIndexOf('}');
                foreach (Match label in Label().Matches(raw[(metric.Length + 1)..close]))
                {
                    if (label.Groups["name"].Value == by)
                    {
                        values.Add(label.Groups["value"].Value);
                    }
                }
            }
        }

        return values.ToDictionary(v => v, v => Sum(text, metric, [.. labels, $"{by}={v}"]), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"(?<name>\w+)=""(?<value>(?:[^""\\]|\\.)*)""", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Label();
}
