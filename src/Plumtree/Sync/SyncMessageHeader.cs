namespace Plumtree.Sync;

/// <summary>
/// The round's shape, repeated in every message so the responder needs no state: branching (2^<see cref="BranchBits"/>),
/// fingerprint size, the per-round salt of the fingerprints, and the top range in Unix milliseconds [from, to).
/// </summary>
internal readonly record struct SyncMessageHeader(int BranchBits, int FingerprintBytes, ulong Salt, long FromMilliseconds, long ToMilliseconds)
{
    /// <summary>The implicit range tree of this round.</summary>
    public SyncTree CreateTree() =>
        new(SyncKey.AtMilliseconds(FromMilliseconds), SyncKey.AtMilliseconds(ToMilliseconds), BranchBits);

    /// <summary>Throws <see cref="ArgumentException"/> unless every field is in range.</summary>
    public void Validate()
    {
        if (BranchBits is < SyncParameters.MinBranchBits or > SyncParameters.MaxBranchBits)
        {
            throw new ArgumentException($"Branch bits must be {SyncParameters.MinBranchBits}..{SyncParameters.MaxBranchBits}.", nameof(BranchBits));
        }

        if (FingerprintBytes is < SyncParameters.MinFingerprintBytes or > SyncParameters.MaxFingerprintBytes)
        {
            throw new ArgumentException($"Fingerprints must be {SyncParameters.MinFingerprintBytes}..{SyncParameters.MaxFingerprintBytes} bytes.", nameof(FingerprintBytes));
        }

        if (FromMilliseconds < 0 || ToMilliseconds <= FromMilliseconds || ToMilliseconds > SyncKey.MaxMilliseconds)
        {
            throw new ArgumentException("The top range must be 0 <= from < to < 2^48 milliseconds.", nameof(ToMilliseconds));
        }
    }
}
