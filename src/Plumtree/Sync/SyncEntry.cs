namespace Plumtree.Sync;

/// <summary>
/// One range of a reconciliation message and what the sender says about it (<see cref="Kind"/>). Ranges are
/// tree nodes named by (<see cref="Depth"/>, <see cref="Index"/>); a message lists them in ascending, disjoint order.
/// </summary>
internal sealed class SyncEntry
{
    private SyncEntry(SyncEntryKind kind, int depth, UInt128 index)
    {
        Kind = kind;
        Depth = depth;
        Index = index;
    }

    /// <summary>What this entry says.</summary>
    public SyncEntryKind Kind { get; }

    /// <summary>Depth of the range's node (0 = the top range).</summary>
    public int Depth { get; }

    /// <summary>Index of the range's node at its depth.</summary>
    public UInt128 Index { get; }

    /// <summary><see cref="SyncEntryKind.Fingerprint"/>: the fingerprint.</summary>
    public UInt128 Fingerprint { get; private init; }

    /// <summary><see cref="SyncEntryKind.Split"/>: bit k set when the sender holds ids in child k.</summary>
    public ulong ChildMask { get; private init; }

    /// <summary><see cref="SyncEntryKind.Split"/>: fingerprints of the children whose mask bit is set, in order.</summary>
    public IReadOnlyList<UInt128> ChildFingerprints { get; private init; } = [];

    /// <summary>
    /// <see cref="SyncEntryKind.IdList"/>: the sender's ids in the range; <see cref="SyncEntryKind.IdListReply"/>: the
    /// responder's ids in the range that the initiator's list lacked. Ascending.
    /// </summary>
    public IReadOnlyList<MessageId> Ids { get; private init; } = [];

    /// <summary><see cref="SyncEntryKind.IdListReply"/>: how many ids the answered list had.</summary>
    public int ListedCount { get; private init; }

    /// <summary><see cref="SyncEntryKind.IdListReply"/>: bit i (LSB first per byte) set when the responder lacks listed id i.</summary>
    public IReadOnlyList<byte> LackBits { get; private init; } = [];

    /// <summary>A fingerprint of one range.</summary>
    public static SyncEntry ForFingerprint(int depth, UInt128 index, UInt128 fingerprint) =>
        new(SyncEntryKind.Fingerprint, depth, index) { Fingerprint = fingerprint };

    /// <summary>Fingerprints of a range's children.</summary>
    public static SyncEntry ForSplit(int depth, UInt128 index, ulong childMask, IReadOnlyList<UInt128> childFingerprints) =>
        new(SyncEntryKind.Split, depth, index) { ChildMask = childMask, ChildFingerprints = childFingerprints };

    /// <summary>The sender's ids in a range.</summary>
    public static SyncEntry ForIdList(int depth, UInt128 index, IReadOnlyList<MessageId> ids) =>
        new(SyncEntryKind.IdList, depth, index) { Ids = ids };

    /// <summary>The answer to an id list.</summary>
    public static SyncEntry ForIdListReply(int depth, UInt128 index, int listedCount, IReadOnlyList<byte> lackBits, IReadOnlyList<MessageId> missing) =>
        new(SyncEntryKind.IdListReply, depth, index) { ListedCount = listedCount, LackBits = lackBits, Ids = missing };

    /// <summary>Unresolved from this range to the end.</summary>
    public static SyncEntry ForContinue(int depth, UInt128 index) => new(SyncEntryKind.Continue, depth, index);

    /// <summary>True when both entries say the same thing about the same range.</summary>
    public bool SameAs(SyncEntry other) =>
        Kind == other.Kind && Depth == other.Depth && Index == other.Index && Fingerprint == other.Fingerprint
        && ChildMask == other.ChildMask && ChildFingerprints.SequenceEqual(other.ChildFingerprints)
        && Ids.SequenceEqual(other.Ids) && ListedCount == other.ListedCount && LackBits.SequenceEqual(other.LackBits);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Depth}/{Index}";
}
