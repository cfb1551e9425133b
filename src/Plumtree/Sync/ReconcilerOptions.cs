using Plumtree.Wire;

namespace Plumtree.Sync;

/// <summary>
/// Tuning of range-based reconciliation. The initiator's <see cref="BranchBits"/> and <see cref="FingerprintBytes"/>
/// travel in every message (the responder adopts them); <see cref="IdListThreshold"/> and <see cref="PageLimit"/>
/// are each side's own.
/// </summary>
internal sealed record ReconcilerOptions
{
    /// <summary>
    /// log2 of the branching factor B: a differing range is split into 2^BranchBits children. Default 3 (B = 8): at
    /// 1% differences B = 8 costs ~30% fewer bytes than B = 16 for one round trip more (figures: <c>sync-figures</c>).
    /// </summary>
    public int BranchBits { get; init; } = 3;

    /// <summary>
    /// Bytes of a range fingerprint. Default 4. Ranges that hold the same ids always match, so the size only matters
    /// when two ranges actually differ: they then match by accident with probability 2^-32 (2.3e-10) per comparison,
    /// and the differences in that range wait for the next round, whose fresh salt re-rolls every fingerprint (a
    /// second miss of the same range is again 2^-32). Nothing is lost; a difference is delayed by one interval. A
    /// round between stores in sync compares one fingerprint of equal ranges: no risk at any size. Measured
    /// (<c>sync-engine-figures</c>): 1 difference in 100,000 compares 6 differing ranges, 1,000 differences compare
    /// ~3,200 (3.2 per difference), so a round with 1,000 differences delays one of them with probability ~7.5e-7.
    /// Even if each of 10,000 nodes found 1,000 differences in every 10-s round, the whole cluster would see one
    /// difference delayed by one round every ~20 minutes; with one difference per round, one every ~8 days.
    /// Fingerprints are most of the reconciliation bytes: 1,000 missing of 100,000 cost 92, 105 and 118 bytes per
    /// missing message beyond id and payload at 4, 5 and 6 bytes, so 5 would miss the 100-byte goal for a risk
    /// that is already negligible and self-healing. Raise it (up to 16) only where one-round delays matter more.
    /// </summary>
    public int FingerprintBytes { get; init; } = 4;

    /// <summary>A differing range holding at most this many local ids is answered with the ids rather than split. Default 2.</summary>
    public int IdListThreshold { get; init; } = 2;

    /// <summary>Largest message this side writes, in bytes. Default 64 KiB.</summary>
    public int PageLimit { get; init; } = 64 * 1024;

    /// <summary>The smallest page that always holds a header, one entry of a round shaped by these options, and a Continue entry.</summary>
    public int MinimumPageLimit => MinimumPage(BranchBits, FingerprintBytes, IdListThreshold);

    /// <summary>
    /// The smallest page that always holds a header, the largest single entry a side can be forced to write (a Split,
    /// an id list of the threshold or of a deepest-level range, which holds at most 16 ids, or the reply to one), and a
    /// Continue entry: below it a page could make no progress.
    /// </summary>
    public static int MinimumPage(int branchBits, int fingerprintBytes, int idListThreshold)
    {
        const int Ref = 2 + 19;
        var ids = Math.Max(idListThreshold, MaxIdsAtDeepestLevel);
        var split = Ref + 8 + ((1 << branchBits) * fingerprintBytes);
        var idList = Ref + 5 + (ids * MessageId.Size);
        var reply = Ref + 5 + ((ids + 7) / 8) + 5 + (ids * MessageId.Size);
        return SyncMessageCodec.MaxHeaderSize + Math.Max(split, Math.Max(idList, reply)) + SyncMessageCodec.MaxContinueSize;
    }

    /// <summary>Most keys a deepest-level node can span (2^128 / 2^(bits × max depth) ≤ 16 for every branching).</summary>
    internal const int MaxIdsAtDeepestLevel = 16;

    /// <summary>Throws <see cref="ArgumentException"/> unless the options are usable.</summary>
    public void Validate()
    {
        if (BranchBits is < SyncParameters.MinBranchBits or > SyncParameters.MaxBranchBits)
        {
            throw new ArgumentException($"BranchBits must be {SyncParameters.MinBranchBits}..{SyncParameters.MaxBranchBits}.", nameof(BranchBits));
        }

        if (FingerprintBytes is < SyncParameters.MinFingerprintBytes or > SyncParameters.MaxFingerprintBytes)
        {
            throw new ArgumentException($"FingerprintBytes must be {SyncParameters.MinFingerprintBytes}..{SyncParameters.MaxFingerprintBytes}.", nameof(FingerprintBytes));
        }

        if (IdListThreshold is < 0 or > 1024)
        {
            throw new ArgumentException("IdListThreshold must be 0..1024.", nameof(IdListThreshold));
        }

        if (PageLimit < MinimumPageLimit)
        {
            throw new ArgumentException($"PageLimit must be at least {MinimumPageLimit} bytes.", nameof(PageLimit));
        }
    }
}
