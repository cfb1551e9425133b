namespace Plumtree.Agent.Tests.Support;

/// <summary>
/// Counts deliveries to the application through the agent's <c>--handler</c>: the handler appends
/// <c>$PLUMTREE_MESSAGE_ID</c> to one file per node name in <paramref name="directory"/>, so the count survives the
/// agent's process (a SIGKILL and a restart with the same name append to the same file).
/// </summary>
internal sealed class DeliveryLog(string directory)
{
    /// <summary>The <c>--handler</c> command for agent <paramref name="node"/>: one line per delivery, the message id.</summary>
    public string Handler(string node)
    {
        Directory.CreateDirectory(directory);
        return $"printf '%s\\n' \"$PLUMTREE_MESSAGE_ID\" >> '{File(node)}'";
    }

    /// <summary>How many times each message id was handed to <paramref name="node"/>'s handler so far.</summary>
    public IReadOnlyDictionary<string, int> Counts(string node)
    {
        var path = File(node);
        if (!System.IO.File.Exists(path))
        {
            return new Dictionary<string, int>(StringComparer.Ordinal);
        }

        return System.IO.File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .GroupBy(line => line, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <summary>True when <paramref name="node"/> has been handed every one of <paramref name="ids"/>.</summary>
    public bool HasAll(string node, IEnumerable<string> ids)
    {
        var counts = Counts(node);
        return ids.All(counts.ContainsKey);
    }

    /// <summary>The ids of <paramref name="ids"/> that <paramref name="node"/> was not handed exactly once, with their count.</summary>
    public IReadOnlyList<string> NotExactlyOnce(string node, IEnumerable<string> ids)
    {
        var counts = Counts(node);
        return ids.Select(id => (id, n: counts.GetValueOrDefault(id)))
            .Where(x => x.n != 1)
            .Select(x => $"{x.id} x{x.n}")
            .ToList();
    }

    private string File(string node) => Path.Combine(directory, node + ".ids");
}
