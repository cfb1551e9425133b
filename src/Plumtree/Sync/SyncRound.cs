namespace Plumtree.Sync;

/// <summary>The round this node initiated and is running (at most one at a time).</summary>
internal sealed class SyncRound(string peer, uint id, long deadline, long fromMilliseconds, long toMilliseconds, SyncInitiator initiator)
{
    /// <summary>The responder.</summary>
    public string Peer { get; } = peer;

    /// <summary>The round id every frame of the round carries.</summary>
    public uint Id { get; } = id;

    /// <summary>When the round fails with <c>timeout</c>.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>Start of the reconciled range (Unix ms); moved once by a Floor answer.</summary>
    public long FromMilliseconds { get; set; } = fromMilliseconds;

    /// <summary>End (exclusive) of the reconciled range: the start time plus the clock skew.</summary>
    public long ToMilliseconds { get; } = toMilliseconds;

    /// <summary>The reconciliation state.</summary>
    public SyncInitiator Initiator { get; set; } = initiator;

    /// <summary>True once a Floor answer restarted the reconciliation.</summary>
    public bool Restarted { get; set; }

    /// <summary>True once reconciliation is done and the wanted ids are being fetched.</summary>
    public bool Fetching { get; set; }

    /// <summary>Wanted ids not answered yet.</summary>
    public HashSet<MessageId> Outstanding { get; } = [];

    /// <summary>Ids this node lacked.</summary>
    public int Need { get; set; }

    /// <summary>Ids the responder lacked.</summary>
    public int Have { get; set; }
}
