using Plumtree.Node;

namespace Plumtree.Keys;

/// <summary>
/// The origin's side of one key command: the members expected to answer, the answers gathered, and the report
/// built from them (pure: the node feeds answers and decides when to stop waiting).
/// </summary>
internal sealed class KeyRound
{
    private readonly HashSet<string> _expected;
    private readonly Dictionary<string, KeyAnswer> _answers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts a round for <paramref name="command"/>, expecting an answer from each of <paramref name="expected"/>.</summary>
    public KeyRound(KeyCommand command, IEnumerable<string> expected)
    {
        Command = command;
        _expected = new HashSet<string>(expected, StringComparer.Ordinal);
        CheckComplete();
    }

    /// <summary>The command.</summary>
    public KeyCommand Command { get; }

    /// <summary>Completes when every expected member has answered.</summary>
    public Task Completed => _complete.Task;

    /// <summary>Takes an answer; false when it is not for this round or the node has answered already.</summary>
    public bool Add(KeyAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Id != Command.Id || !_answers.TryAdd(answer.Node, answer))
        {
            return false;
        }

        CheckComplete();
        return true;
    }

    /// <summary>The report of what has been gathered so far.</summary>
    public KeyringReport Report()
    {
        var nodes = _answers.Values
            .OrderBy(a => a.Node, StringComparer.Ordinal)
            .Select(a => new KeyNodeResult(
                a.Node,
                a.Error,
                a.Keys.Count > 0 ? Convert.ToBase64String(a.Keys[0]) : null,
                [.. a.Keys.Select(Convert.ToBase64String)]))
            .ToArray();
        var missing = _expected.Where(n => !_answers.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var holders = new Dictionary<string, (int Count, List<string> Primary)>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var key in node.Keys.Distinct(StringComparer.Ordinal))
            {
                holders.TryGetValue(key, out var entry);
                entry.Primary ??= [];
                entry.Count++;
                if (string.Equals(key, node.PrimaryKey, StringComparison.Ordinal))
                {
                    entry.Primary.Add(node.Node);
                }

                holders[key] = entry;
            }
        }

        var keys = holders
            .OrderByDescending(h => h.Value.Count)
            .ThenBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => new KeyHolders(h.Key, h.Value.Count, h.Value.Primary))
            .ToArray();
        var asked = _expected.Union(_answers.Keys, StringComparer.Ordinal).Count();
        var named = Command.Key.Length > 0 ? Convert.ToBase64String(Command.Key) : null;
        return new KeyringReport(Command.Operation, named, asked, nodes, missing, keys);
    }

    private void CheckComplete()
    {
        if (_expected.All(_answers.ContainsKey))
        {
            _complete.TrySetResult();
        }
    }
}
