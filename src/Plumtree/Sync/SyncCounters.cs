namespace Plumtree.Sync;

/// <summary>
/// Monotonic counters kept by a <see cref="SyncEngine"/>. The engine increments them from its single writer; readers
/// on other threads see each field atomically (64-bit reads) but not a consistent set.
/// </summary>
public sealed class SyncCounters
{
    private readonly Dictionary<string, long> _failures = SyncFailure.All.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal);

    /// <summary>Rounds this node initiated (a Floor restart stays the same round).</summary>
    public long RoundsStarted;

    /// <summary>Initiated rounds that finished: reconciled, every wanted id answered.</summary>
    public long RoundsCompleted;

    /// <summary>Messages newly obtained through sync, as initiator (Messages) or responder (Push); each reported once through <see cref="ISyncOutput.Recovered"/>.</summary>
    public long MessagesRecovered;

    /// <summary>Messages this node pushed to responders that lacked them.</summary>
    public long MessagesPushed;

    /// <summary>Messages this node served to initiators that wanted them.</summary>
    public long MessagesServed;

    /// <summary>Wanted ids the responder no longer held (dropped between reconciliation and the request).</summary>
    public long Unobtainable;

    /// <summary>Messages received through sync that this node already held (delivered by broadcast meanwhile).</summary>
    public long Duplicates;

    /// <summary>Sync frame body bytes sent.</summary>
    public long BytesSent;

    /// <summary>Sync frame body bytes received.</summary>
    public long BytesReceived;

    /// <summary>Ids found to differ by reconciliation (needed plus had), summed over rounds.</summary>
    public long DifferencesFound;

    /// <summary>Bodies that could not be decoded or used, and messages over <see cref="SyncOptions.MaxMessageBytes"/>.</summary>
    public long Malformed;

    /// <summary>Messages received through sync that were not stored: older than the retained floor, or pushed while sync is disabled.</summary>
    public long Rejected;

    /// <summary>Messages obtained through sync that the validator did not accept (<see cref="ISyncOutput.Validate"/>): not stored, not fetched again.</summary>
    public long Refused;

    /// <summary>Bodies that belong to no round in progress (late answers, another round, a peer this node is not syncing with).</summary>
    public long Stale;

    /// <summary>Failed rounds by reason (every key of <see cref="SyncFailure.All"/> is present).</summary>
    public IReadOnlyDictionary<string, long> Failures => _failures;

    internal void Fail(string reason) => _failures[reason]++;
}
