using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text.RegularExpressions;

#pragma warning disable CA1050, MA0047 // The runtime looks for a type named StartupHook in the global namespace.

/// <summary>
/// Loaded by the runtime before the agent's Main (DOTNET_STARTUP_HOOKS): records, from the dependency injection
/// container's own event source, the implementation type of every call site it builds and the item type of every
/// IEnumerable it resolves, and at exit writes the closed generic types and the arrays among them to the file named by
/// AOT_GENERICS_OUT, one "assembly TAB type" per line (type names with assembly-qualified arguments, no versions).
/// </summary>
internal static class StartupHook
{
    private static CallSiteRecorder? s_recorder;

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable("AOT_GENERICS_OUT")
            ?? throw new InvalidOperationException("AOT_GENERICS_OUT is not set");
        s_recorder = new CallSiteRecorder();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => s_recorder.Write(path);
    }
}

internal sealed partial class CallSiteRecorder : EventListener
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _implementations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _items = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Extensions-DependencyInjection")
        {
            EnableEvents(eventSource, EventLevel.Verbose, EventKeywords.All);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "CallSiteBuilt" || eventData.Payload is not [_, string callSite, ..])
        {
            return;
        }

        lock (_lock)
        {
            foreach (Match m in ImplementationType().Matches(callSite))
            {
                _implementations.Add(m.Groups["name"].Value);
            }

            foreach (Match m in ItemType().Matches(callSite))
            {
                _items.Add(m.Groups["name"].Value);
            }
        }
    }

    public void Write(string path)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var name in _implementations.Where(n => n.Contains('`', StringComparison.Ordinal)))
            {
                Add(lines, Resolve(name), name);
            }

            foreach (var name in _items)
            {
                Add(lines, Resolve(name)?.MakeArrayType(), name + "[]");
            }
        }

        File.WriteAllLines(path, lines);
    }

    private static void Add(SortedSet<string> lines, Type? type, string name)
    {
        if (type?.AssemblyQualifiedName is not { } qualified)
        {
            Console.Error.WriteLine($"aot-generics: cannot resolve {name}");
            return;
        }

        // "Namespace.Type`1[[Arg, Assembly, Version=..]], Assembly, Version=..": the type name and its assembly, apart.
        qualified = AssemblyDetails().Replace(qualified, string.Empty);
        var depth = 0;
        var cut = -1;
        for (var i = 0; i < qualified.Length; i++)
        {
            switch (qualified[i])
            {
                case '[': depth++; break;
                case ']': depth--; break;
                case ',' when depth == 0: cut = i; break;
            }
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{qualified[(cut + 1)..].Trim()}\t{qualified[..cut]}"));
    }

    // "Ns.Outer`1[Ns.Arg,Ns.Other`1[Ns.X]]" as the container writes it (full names, no assemblies): resolved against the
    // assemblies loaded in the agent.
    private static Type? Resolve(string name)
    {
        var open = name.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return Find(name);
        }

        var definition = Find(name[..open]);
        var arguments = SplitArguments(name[(open + 1)..^1]).Select(Resolve).ToArray();
        return definition is null || arguments.Any(a => a is null) ? null : definition.MakeGenericType(arguments!);
    }

    private static IEnumerable<string> SplitArguments(string list)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < list.Length; i++)
        {
            switch (list[i])
            {
                case '[': depth++; break;
                case ']': depth--; break;
                case ',' when depth == 0:
                    yield return list[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return list[start..];
    }

    private static Type? Find(string fullName) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(fullName)).FirstOrDefault(t => t is not null);

    [GeneratedRegex("\"implementationType\": *\"(?<name>[^\"]*)\"", RegexOptions.ExplicitCapture, 1000)]
    private static partial Regex ImplementationType();

    [GeneratedRegex("\"itemType\": *\"(?<name>[^\"]*)\"", RegexOptions.ExplicitCapture, 1000)]
    private static partial Regex ItemType();

    [GeneratedRegex(", (Version|Culture|PublicKeyToken)=[^,\\]]*", RegexOptions.ExplicitCapture, 1000)]
    private static partial Regex AssemblyDetails();
}
