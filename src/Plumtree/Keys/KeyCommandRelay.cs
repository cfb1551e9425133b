namespace Plumtree.Keys;

/// <summary>
/// De-duplicates the flood of key commands: a command is applied, answered and relayed the first time its id is seen,
/// and ignored after. Remembers the last <see cref="Capacity"/> ids (commands are rare: operators type them).
/// </summary>
internal sealed class KeyCommandRelay
{
    /// <summary>Ids remembered.</summary>
    public const int Capacity = 1024;

    private readonly HashSet<MessageId> _seen = [];
    private readonly Queue<MessageId> _order = new();

    /// <summary>True the first time <paramref name="id"/> is offered (then remembered), false after.</summary>
    public bool FirstSeen(MessageId id)
    {
        if (!_seen.Add(id))
        {
            return false;
        }

        _order.Enqueue(id);
        if (_order.Count > Capacity)
        {
            _seen.Remove(_order.Dequeue());
        }

        return true;
    }

    /// <summary>
    /// Where a command goes next: every overlay peer (eager and lazy) but the one it came from and this node.
    /// </summary>
    public static string[] Targets(IEnumerable<string> peers, string self, string? from) =>
        [.. peers.Where(p => !string.Equals(p, self, StringComparison.Ordinal) && !string.Equals(p, from, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)];
}
