using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Plumtree.Hosting;
using Plumtree.Node;

namespace Plumtree.Agent.Configuration;

/// <summary>
/// Every key under <c>Plumtree:</c> must be one the agent reads: a misspelt or misplaced key (e.g.
/// <c>Plumtree:EagerFanout</c> for <c>Plumtree:Broadcast:EagerFanout</c>) would otherwise change nothing, silently.
/// Known keys are the bindable properties of the node's and the hosting options (nested option classes by their
/// own properties, lists and dictionaries with any items) and the agent's own settings.
/// </summary>
internal sealed partial class AgentConfiguration
{
    /// <summary>Why binding the node's and the hosting options by reflection is safe in a trimmed (Native AOT) publish.</summary>
    internal const string OptionTypesKept =
        "PlumtreeNodeOptions, PlumtreeHostingOptions and every option type they hold live in the Plumtree and Plumtree.Hosting " +
        "assemblies, which a trimmed publish keeps whole: Plumtree.Agent.csproj roots both (TrimmerRootAssembly).";

    /// <summary>Why the reflection below is safe when trimmed (Native AOT).</summary>
    private const string TypesKept =
        "The types walked are the option classes of the Plumtree and Plumtree.Hosting assemblies (and the types of their " +
        "properties), which a trimmed publish keeps whole: Plumtree.Agent.csproj roots both assemblies (TrimmerRootAssembly).";

    /// <summary>The agent's own keys (<see cref="AgentSettings"/> less what the agent computes) and their value types.</summary>
    private static readonly Dictionary<string, Type> AgentKeys = typeof(AgentSettings).GetProperties()
        .Where(p => p.Name is not nameof(AgentSettings.Token) and not nameof(AgentSettings.DataDirExplicit) and not nameof(AgentSettings.Validation))
        .ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.OrdinalIgnoreCase);

    private static void CheckKnownKeys(IConfigurationSection plumtree, Action<string, string> error)
    {
        var top = new Dictionary<string, Type>(AgentKeys, StringComparer.OrdinalIgnoreCase);
        foreach (var type in new[] { typeof(PlumtreeNodeOptions), typeof(PlumtreeHostingOptions) })
        {
            foreach (var (name, valueType) in BindableProperties(type))
            {
                top.TryAdd(name, valueType);
            }
        }

        foreach (var child in plumtree.GetChildren())
        {
            if (child.Key.Equals(Validation.PayloadRules.Section, StringComparison.OrdinalIgnoreCase))
            {
                continue; // checked key by key in ValidatePayloadRules
            }

            if (!top.TryGetValue(child.Key, out var type))
            {
                error(child.Key, $"is not a configuration key{Suggest(child.Key, top.Keys, BroadcastKeys())}");
                continue;
            }

            CheckChildren(child, child.Key, type, error);
        }
    }

    private static void CheckChildren(IConfigurationSection section, string path, Type type, Action<string, string> error)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type) || IsCollection(type))
        {
            if (IsLeaf(type) && section.GetChildren().Any())
            {
                error(path, $"takes a single value, not a section (found {string.Join(", ", section.GetChildren().Select(c => c.Key))})");
            }

            return;
        }

        var known = BindableProperties(type).ToDictionary(p => p.Name, p => p.Type, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            var childPath = $"{path}:{child.Key}";
            if (!known.TryGetValue(child.Key, out var childType))
            {
                error(childPath, $"is not a key of {path}{Suggest(child.Key, known.Keys, [])}");
                continue;
            }

            CheckChildren(child, childPath, childType, error);
        }
    }

    /// <summary>Properties the configuration binder can set: public, writable, of a value, collection or option-class type.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = TypesKept)]
    private static IEnumerable<(string Name, Type Type)> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && IsBindable(p.PropertyType))
            .Select(p => (p.Name, p.PropertyType));

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = TypesKept)]
    private static bool IsBindable(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return IsLeaf(type) || IsCollection(type) || (type.IsClass && !type.IsAbstract && !typeof(Delegate).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null);
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(System.Net.IPEndPoint);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    /// <summary>Broadcast keys by name, to point a top-level <c>EagerFanout</c> at <c>Broadcast:EagerFanout</c>.</summary>
    private static IEnumerable<string> BroadcastKeys() =>
        BindableProperties(typeof(global::Plumtree.Broadcast.BroadcastOptions)).Select(p => $"{nameof(PlumtreeNodeOptions.Broadcast)}:{p.Name}")
            .Concat(BindableProperties(typeof(global::Plumtree.Sync.SyncOptions)).Select(p => $"{nameof(PlumtreeNodeOptions.Sync)}:{p.Name}"))
            .Concat(BindableProperties(typeof(StreamOptions)).Select(p => $"{nameof(PlumtreeNodeOptions.Streams)}:{p.Name}"));

    private static string Suggest(string key, IEnumerable<string> siblings, IEnumerable<string> nested)
    {
        var nestedMatch = nested.FirstOrDefault(n => n[(n.IndexOf(':', StringComparison.Ordinal) + 1)..].Equals(key, StringComparison.OrdinalIgnoreCase));
        if (nestedMatch is not null)
        {
            return $" (did you mean {Section}:{nestedMatch}?)";
        }

        var best = siblings.Select(s => (Name: s, Distance: Distance(key.ToUpperInvariant(), s.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(2, key.Length / 4))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        return best.Name is null ? string.Empty : $" (did you mean {best.Name}?)";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
