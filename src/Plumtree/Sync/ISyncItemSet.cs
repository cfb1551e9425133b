namespace Plumtree.Sync;

/// <summary>
/// The ids one side holds, sorted ascending (time order), with range queries for reconciliation. A set must
/// not change while it answers one reconciliation message; between messages it may (a change only makes the
/// round report a stale difference or miss one, which the next round repairs).
/// </summary>
internal interface ISyncItemSet
{
    /// <summary>Number of ids held.</summary>
    int Count { get; }

    /// <summary>The id at <paramref name="index"/> in ascending order.</summary>
    MessageId this[int index] { get; }

    /// <summary>Index of the first id whose key is at least <paramref name="key"/> (<see cref="Count"/> if none).</summary>
    int LowerBound(UInt128 key);

    /// <summary>Summary (hash sum and count) of the ids at indexes [<paramref name="from"/>, <paramref name="to"/>).</summary>
    SyncAccumulator Accumulate(int from, int to);
}
