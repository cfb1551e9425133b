namespace Plumtree.Wire.Memberlist.Serf;

/// <summary>Serf message type: the first byte of a serf message inside a memberlist user message. Wire constants.</summary>
internal enum SerfMessageType : byte
{
    /// <summary>A member is leaving (<see cref="SerfLeaveIntent"/>).</summary>
    Leave = 0,

    /// <summary>A member joined (<see cref="SerfJoinIntent"/>).</summary>
    Join = 1,

    /// <summary>Serf push/pull state (only as memberlist user state; not decoded here).</summary>
    PushPull = 2,

    /// <summary>A user event (<see cref="SerfUserEvent"/>).</summary>
    UserEvent = 3,

    /// <summary>A query (not decoded here).</summary>
    Query = 4,

    /// <summary>A query response (not decoded here).</summary>
    QueryResponse = 5,

    /// <summary>A name-conflict response (not decoded here).</summary>
    ConflictResponse = 6,

    /// <summary>A keyring request (not decoded here).</summary>
    KeyRequest = 7,

    /// <summary>A keyring response (not decoded here).</summary>
    KeyResponse = 8,

    /// <summary>A relayed message (not decoded here).</summary>
    Relay = 9,
}

/// <summary>A serf message carried as a memberlist user message payload.</summary>
internal abstract record SerfMessage
{
    /// <summary>The serf type byte.</summary>
    public abstract SerfMessageType Type { get; }
}

/// <summary>Serf <c>messageLeave</c> (type 0): <see cref="Node"/> leaves; broadcast before a graceful leave so serf lists it as left.</summary>
/// <param name="LTime">Serf Lamport time; must exceed what the cluster has seen for the node.</param>
/// <param name="Node">The leaving node.</param>
/// <param name="Prune">Remove the node from member lists immediately (serf force-leave -prune).</param>
internal sealed record SerfLeaveIntent(ulong LTime, string Node, bool Prune) : SerfMessage
{
    /// <inheritdoc/>
    public override SerfMessageType Type => SerfMessageType.Leave;
}

/// <summary>Serf <c>messageJoin</c> (type 1): <see cref="Node"/> joined at <see cref="LTime"/>.</summary>
/// <param name="LTime">Serf Lamport time of the join.</param>
/// <param name="Node">The joining node.</param>
internal sealed record SerfJoinIntent(ulong LTime, string Node) : SerfMessage
{
    /// <inheritdoc/>
    public override SerfMessageType Type => SerfMessageType.Join;
}

/// <summary>Serf <c>messageUserEvent</c> (type 3): a named user event.</summary>
/// <param name="LTime">Event Lamport time.</param>
/// <param name="Name">Event name.</param>
/// <param name="Payload">Event payload; <see langword="null"/> = Go nil.</param>
/// <param name="CC">Coalesce: only the newest event of this name matters.</param>
internal sealed record SerfUserEvent(ulong LTime, string Name, byte[]? Payload, bool CC) : SerfMessage
{
    /// <inheritdoc/>
    public override SerfMessageType Type => SerfMessageType.UserEvent;

    /// <inheritdoc/>
    public bool Equals(SerfUserEvent? other) =>
        other is not null && LTime == other.LTime && Name == other.Name && ByteArrays.Equal(Payload, other.Payload) && CC == other.CC;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(LTime, Name, ByteArrays.Hash(Payload), CC);
}
