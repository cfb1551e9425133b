namespace Plumtree.Sync;

/// <summary>
/// In-memory <see cref="ISyncItemSet"/>: a sorted array of ids with prefix sums of their hashes, so a range
/// summary is one subtraction (O(1)) and a bound lookup is a binary search (O(log n)). Ids arrive mostly in
/// time order: adding the newest id appends in O(1); an older id shifts the ids after it and their prefix
/// sums (O(distance from the end)). Expiry at the horizon (<see cref="RemoveBefore"/>) drops a prefix in
/// O(1) amortised: prefix sums are only ever subtracted, so an offset start is harmless.
/// </summary>
internal sealed class SortedSyncItemSet : ISyncItemSet
{
    private MessageId[] _ids;
    private UInt128[] _prefix; // _prefix[i] = sum of hashes of _ids[_start .. i) (relative to any base)
    private int _start;
    private int _end;

    /// <summary>Creates an empty set.</summary>
    public SortedSyncItemSet()
    {
        _ids = new MessageId[16];
        _prefix = new UInt128[17];
    }

    /// <summary>Creates a set holding <paramref name="ids"/> (any order; duplicates collapse).</summary>
    public SortedSyncItemSet(IEnumerable<MessageId> ids)
    {
        var sorted = ids.ToArray();
        Array.Sort(sorted);
        var count = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (count == 0 || sorted[count - 1] != sorted[i])
            {
                sorted[count++] = sorted[i];
            }
        }

        _ids = new MessageId[Math.Max(16, count)];
        Array.Copy(sorted, _ids, count);
        _prefix = new UInt128[_ids.Length + 1];
        _end = count;
        Recompute(0);
    }

    /// <inheritdoc/>
    public int Count => _end - _start;

    /// <inheritdoc/>
    public MessageId this[int index] => (uint)index < (uint)Count ? _ids[_start + index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Adds an id; false if it was already present.</summary>
    public bool Add(MessageId id)
    {
        var position = _start + LowerBound(SyncKey.Of(id));
        if (position < _end && _ids[position] == id)
        {
            return false;
        }

        if (_end == _ids.Length)
        {
            Grow();
            position = _start + LowerBound(SyncKey.Of(id));
        }

        Array.Copy(_ids, position, _ids, position + 1, _end - position);
        _ids[position] = id;
        _end++;
        Recompute(position);
        return true;
    }

    /// <summary>Removes every id older than <paramref name="bound"/> (the horizon); returns how many.</summary>
    public int RemoveBefore(MessageId bound)
    {
        var removed = LowerBound(SyncKey.Of(bound));
        _start += removed;
        return removed;
    }

    /// <inheritdoc/>
    public int LowerBound(UInt128 key)
    {
        int lo = _start, hi = _end;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (SyncKey.Of(_ids[mid]) < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - _start;
    }

    /// <inheritdoc/>
    public SyncAccumulator Accumulate(int from, int to)
    {
        if (from < 0 || to > Count || from > to)
        {
            throw new ArgumentOutOfRangeException(nameof(from));
        }

        return new SyncAccumulator(_prefix[_start + to] - _prefix[_start + from], to - from);
    }

    private void Grow()
    {
        var count = Count;
        var capacity = Math.Max(16, count * 2);
        var ids = new MessageId[capacity];
        Array.Copy(_ids, _start, ids, 0, count);
        _ids = ids;
        _prefix = new UInt128[capacity + 1];
        _start = 0;
        _end = count;
        Recompute(0);
    }

    private void Recompute(int from)
    {
        for (var i = from; i < _end; i++)
        {
            _prefix[i + 1] = _prefix[i] + SyncAccumulator.Hash(_ids[i]);
        }
    }
}
