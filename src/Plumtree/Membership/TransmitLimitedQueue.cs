namespace Plumtree.Membership;

/// <summary>
/// memberlist's <c>TransmitLimitedQueue</c>: broadcasts waiting to be piggybacked or gossiped, each sent at
/// most <c>RetransmitMult × ceil(log10(n + 1))</c> times. Selection prefers the fewest transmissions, then
/// the largest message that still fits, then the newest. A named broadcast replaces (and finishes) the
/// queued one of the same name (memberlist keys its own messages by node name).
/// Kept as one list sorted by that order, so a lookup is a binary search.
/// </summary>
internal sealed class TransmitLimitedQueue
{
    private readonly List<Item> _items = [];
    private readonly Dictionary<string, Item> _byName = new(StringComparer.Ordinal);
    private readonly int _retransmitMult;
    private readonly Func<int> _numNodes;
    private long _idGen;

    /// <summary>Creates a queue whose retransmit limit follows <paramref name="numNodes"/>.</summary>
    public TransmitLimitedQueue(int retransmitMult, Func<int> numNodes)
    {
        _retransmitMult = retransmitMult;
        _numNodes = numNodes;
    }

    /// <summary>Broadcasts queued.</summary>
    public int Count => _items.Count;

    /// <summary>Queues <paramref name="message"/>; a <paramref name="name"/> replaces the queued broadcast with that name.</summary>
    /// <param name="name">Key for replacement (memberlist: the node the message is about), or null for none.</param>
    /// <param name="message">The encoded message (type byte included).</param>
    /// <param name="finished">Called once when it was sent its full count, was replaced, or was pruned.</param>
    public void Queue(string? name, byte[] message, Action? finished = null)
    {
        if (name is not null && _byName.Remove(name, out var old))
        {
            Remove(old);
            old.Finished?.Invoke();
        }

        var item = new Item(0, message, ++_idGen, name, finished);
        Insert(item);
    }

    /// <summary>The queued messages in selection order with their transmit counts (for tests and diagnostics).</summary>
    public IReadOnlyList<(byte[] Message, int Transmits, string? Name)> Snapshot() =>
        [.. _items.Select(static i => (i.Message, i.Transmits, i.Name))];

    /// <summary>
    /// Takes broadcasts that fit in <paramref name="limit"/> bytes, counting <paramref name="overhead"/> bytes
    /// per message, appends them to <paramref name="into"/> and returns how many bytes they use (overheads
    /// included). Each taken broadcast has its transmit count raised; those reaching the limit are removed.
    /// </summary>
    public int Take(int overhead, int limit, List<ReadOnlyMemory<byte>> into)
    {
        if (_items.Count == 0)
        {
            return 0;
        }

        var transmitLimit = MembershipFormulas.RetransmitLimit(_retransmitMult, _numNodes());
        var used = 0;
        List<Item>? reinsert = null;
        var maxTransmits = _items[^1].Transmits;
        for (var transmits = _items[0].Transmits; transmits <= maxTransmits;)
        {
            var free = (long)limit - used - overhead;
            if (free <= 0)
            {
                break;
            }

            var index = LowerBound(new Item(transmits, free, long.MaxValue));
            if (index >= _items.Count || _items[index].Transmits != transmits)
            {
                transmits++;
                continue;
            }

            var keep = _items[index];
            _items.RemoveAt(index);
            used += overhead + keep.Message.Length;
            into.Add(keep.Message);
            if (keep.Transmits + 1 >= transmitLimit)
            {
                if (keep.Name is not null)
                {
                    _byName.Remove(keep.Name);
                }

                keep.Finished?.Invoke();
            }
            else
            {
                // Re-inserted after the walk so it is not picked again from the next tier.
                (reinsert ??= []).Add(keep with { Transmits = keep.Transmits + 1 });
            }
        }

        if (reinsert is not null)
        {
            foreach (var item in reinsert)
            {
                Insert(item);
            }
        }

        return used;
    }

    /// <summary>Keeps the <paramref name="maxRetain"/> best-placed broadcasts and drops (finishes) the rest.</summary>
    public void Prune(int maxRetain)
    {
        while (_items.Count > maxRetain)
        {
            var item = _items[^1];
            _items.RemoveAt(_items.Count - 1);
            if (item.Name is not null)
            {
                _byName.Remove(item.Name);
            }

            item.Finished?.Invoke();
        }
    }

    private void Insert(Item item)
    {
        var index = LowerBound(item);
        _items.Insert(index, item);
        if (item.Name is not null)
        {
            _byName[item.Name] = item;
        }
    }

    private void Remove(Item item)
    {
        var index = _items.BinarySearch(item, ItemOrder.Instance);
        if (index >= 0)
        {
            _items.RemoveAt(index);
        }
    }

    private int LowerBound(Item probe)
    {
        var index = _items.BinarySearch(probe, ItemOrder.Instance);
        return index >= 0 ? index : ~index;
    }

    private sealed record Item(int Transmits, long Length, long Id, string? Name = null, Action? Finished = null)
    {
        public Item(int transmits, byte[] message, long id, string? name, Action? finished)
            : this(transmits, message.Length, id, name, finished) => Message = message;

        public byte[] Message { get; init; } = [];
    }

    // Fewest transmits first, then the largest, then the newest (highest id).
    private sealed class ItemOrder : IComparer<Item>
    {
        public static readonly ItemOrder Instance = new();

        public int Compare(Item? x, Item? y)
        {
            var c = x!.Transmits.CompareTo(y!.Transmits);
            if (c != 0)
            {
                return c;
            }

            c = y.Length.CompareTo(x.Length);
            return c != 0 ? c : y.Id.CompareTo(x.Id);
        }
    }
}
