using System.Collections;
using Plumtree.Broadcast;
using Plumtree.Hosting;
using Plumtree.Node;

namespace Plumtree.Agent.Configuration;

/// <summary>
/// Maps <c>PLUMTREE_*</c> environment variables to configuration keys under <c>Plumtree:</c>. <c>__</c> separates
/// levels; single underscores inside a level are dropped (keys are matched case-insensitively), so
/// <c>PLUMTREE_NODE_NAME</c> sets <c>Plumtree:NodeName</c> and <c>PLUMTREE_BROADCAST__EAGER_FANOUT</c> sets
/// <c>Plumtree:Broadcast:EagerFanout</c>. <c>PLUMTREE_JOIN</c>, <c>PLUMTREE_ENCRYPTION_KEYS</c>,
/// <c>PLUMTREE_HTTP_ALLOWED_HOSTS</c> and <c>PLUMTREE_HTTP_ALLOWED_ORIGINS</c> take comma-separated lists. <c>PLUMTREE_LOGGING__LOGLEVEL__DEFAULT</c> sets <c>Logging:LogLevel:Default</c>.
/// </summary>
internal static class EnvironmentMapping
{
    public const string Prefix = "PLUMTREE_";

    /// <summary>Variables the agent reads itself rather than as configuration keys.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "PLUMTREE_CONFIG", Hosting.StartupTrace.Variable, Hosting.ImagePages.KeepVariable };

    private static readonly HashSet<string> ListKeys = new(StringComparer.OrdinalIgnoreCase) { "JOIN", "ENCRYPTIONKEYS", "HTTPALLOWEDHOSTS", "HTTPALLOWEDORIGINS" };

    /// <summary>Every known key name in its proper case, so keys (and the errors that name them) read as documented.</summary>
    private static readonly Dictionary<string, string> KnownNames = typeof(PlumtreeNodeOptions).GetProperties()
        .Concat(typeof(PlumtreeHostingOptions).GetProperties())
        .Concat(typeof(BroadcastOptions).GetProperties())
        .Concat(typeof(AgentSettings).GetProperties())
        .Concat(typeof(Validation.PayloadRules).GetProperties())
        .Select(p => p.Name)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToDictionary(n => n, StringComparer.OrdinalIgnoreCase);

    public static Dictionary<string, string?> Map(IDictionary environment)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || !name.StartsWith(Prefix, StringComparison.Ordinal) || Reserved.Contains(name) || name.Length == Prefix.Length)
            {
                continue;
            }

            var value = entry.Value as string;
            var segments = name[Prefix.Length..].Split("__");
            if (segments[0].Equals("LOGGING", StringComparison.OrdinalIgnoreCase))
            {
                result["Logging:" + string.Join(':', segments.Skip(1))] = value;
                continue;
            }

            var key = string.Join(':', segments.Select(Canonical));
            if (segments.Length == 1 && ListKeys.Contains(key) && value is not null)
            {
                var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                for (var i = 0; i < items.Length; i++)
                {
                    result[$"Plumtree:{key}:{i}"] = items[i];
                }

                continue;
            }

            result["Plumtree:" + key] = value;
        }

        return result;
    }

    private static string Canonical(string segment)
    {
        var name = segment.Replace("_", string.Empty, StringComparison.Ordinal);
        return KnownNames.TryGetValue(name, out var known) ? known : name;
    }
}
