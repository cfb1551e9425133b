using Plumtree.Storage;

namespace Plumtree.Wire;

/// <summary>A decoded Sync frame body (<see cref="SyncFrameCodec"/>). Fields a kind does not use are empty or zero.</summary>
internal sealed class SyncFrame
{
    /// <summary>The kind.</summary>
    public required SyncFrameKind Kind { get; init; }

    /// <summary>The round the frame belongs to (chosen by the initiator, echoed by the responder).</summary>
    public required uint Round { get; init; }

    /// <summary>Reconcile: the start of the initiator's range; Floor: the responder's retained floor (Unix ms).</summary>
    public long Milliseconds { get; init; }

    /// <summary>Reconcile and Reply: the reconciliation message (a copy).</summary>
    public byte[] Message { get; init; } = [];

    /// <summary>Want: the wanted ids; Messages: the wanted ids the responder no longer holds.</summary>
    public MessageId[] Ids { get; init; } = [];

    /// <summary>Messages and Push: the messages of the page (payloads are copies).</summary>
    public StoredMessage[] Entries { get; init; } = [];

    /// <summary>Refuse: why.</summary>
    public SyncRefuseReason Reason { get; init; }
}
