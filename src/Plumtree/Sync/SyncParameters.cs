namespace Plumtree.Sync;

/// <summary>
/// Limits of the shape parameters an initiator may choose for a round (the responder adopts them from the header).
/// </summary>
internal static class SyncParameters
{
    /// <summary>Smallest branching: 2^1.</summary>
    public const int MinBranchBits = 1;

    /// <summary>Largest branching: 2^6 = 64 (a child mask fits a <see cref="ulong"/>).</summary>
    public const int MaxBranchBits = 6;

    /// <summary>Shortest fingerprint in bytes.</summary>
    public const int MinFingerprintBytes = 4;

    /// <summary>Longest fingerprint in bytes.</summary>
    public const int MaxFingerprintBytes = 16;
}
