namespace Plumtree.Sync;

/// <summary>Why a sync round failed: the keys of <see cref="SyncCounters.Failures"/> and <see cref="SyncPeerSnapshot.LastResult"/>.</summary>
public static class SyncFailure
{
    /// <summary>The round did not finish within <see cref="SyncOptions.RoundTimeout"/>.</summary>
    public const string Timeout = "timeout";

    /// <summary>The peer went down (left, failed, was removed) during the round.</summary>
    public const string PeerLost = "peer_lost";

    /// <summary>The peer sent a malformed body belonging to the round.</summary>
    public const string Malformed = "malformed";

    /// <summary>The peer refused the round (sync disabled or unable to serve), or moved its floor twice.</summary>
    public const string Refused = "refused";

    /// <summary>Reconciliation needed more than <see cref="SyncOptions.MaxRoundTrips"/> messages.</summary>
    public const string RoundTrips = "round_trips";

    /// <summary>Every reason, in a fixed order.</summary>
    public static IReadOnlyList<string> All { get; } = [Timeout, PeerLost, Malformed, Refused, RoundTrips];
}
