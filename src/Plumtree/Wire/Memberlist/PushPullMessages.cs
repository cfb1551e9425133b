namespace Plumtree.Wire.Memberlist;

/// <summary>State of a node in a push/pull exchange (Go <c>NodeStateType</c>). Values are wire constants.</summary>
internal enum NodeStateKind
{
    /// <summary>Alive.</summary>
    Alive = 0,

    /// <summary>Suspected of having failed.</summary>
    Suspect = 1,

    /// <summary>Declared dead by another node.</summary>
    Dead = 2,

    /// <summary>Left gracefully.</summary>
    Left = 3,
}

/// <summary><c>pushPullHeader</c>: first value of a push/pull stream after the type byte.</summary>
/// <param name="Nodes">Number of <see cref="PushNodeState"/> values that follow.</param>
/// <param name="UserStateLen">Number of raw delegate-state bytes after the node states.</param>
/// <param name="Join">The exchange is a join (the reply carries the same flag).</param>
internal sealed record PushPullHeader(int Nodes, int UserStateLen, bool Join);

/// <summary><c>pushNodeState</c>: one node of a push/pull exchange.</summary>
/// <param name="Name">Node name.</param>
/// <param name="Addr">Raw IP (4 or 16 bytes).</param>
/// <param name="Port">Memberlist port.</param>
/// <param name="Meta">Node meta; <see langword="null"/> = Go nil.</param>
/// <param name="Incarnation">Incarnation number.</param>
/// <param name="State">Alive, suspect, dead or left (other values are carried as-is; Go ignores them).</param>
/// <param name="Vsn">Protocol and delegate versions; <see langword="null"/> when absent.</param>
internal sealed record PushNodeState(
    string Name,
    byte[]? Addr,
    ushort Port,
    byte[]? Meta,
    uint Incarnation,
    NodeStateKind State,
    ProtocolVersions? Vsn)
{
    /// <inheritdoc/>
    public bool Equals(PushNodeState? other) =>
        other is not null && Name == other.Name && ByteArrays.Equal(Addr, other.Addr) && Port == other.Port
        && ByteArrays.Equal(Meta, other.Meta) && Incarnation == other.Incarnation && State == other.State && Vsn == other.Vsn;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Name, ByteArrays.Hash(Addr), Port, ByteArrays.Hash(Meta), Incarnation, State, Vsn);
}

/// <summary>
/// A whole push/pull message (type 6, TCP): the header, <see cref="Nodes"/> and the delegate's
/// <see cref="UserState"/>. The header's counts are derived from the lists.
/// </summary>
/// <param name="Join">The exchange is a join.</param>
/// <param name="Nodes">Every node the sender knows, itself included, in any state.</param>
/// <param name="UserState">Delegate state (<c>LocalState(join)</c>), possibly empty.</param>
internal sealed record PushPull(bool Join, IReadOnlyList<PushNodeState> Nodes, byte[] UserState) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.PushPull;

    /// <summary>The header this message is sent with.</summary>
    public PushPullHeader Header => new(Nodes.Count, UserState.Length, Join);

    /// <inheritdoc/>
    public bool Equals(PushPull? other) =>
        other is not null && Join == other.Join && Nodes.SequenceEqual(other.Nodes) && UserState.AsSpan().SequenceEqual(other.UserState);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Join, Nodes.Count, ByteArrays.Hash(UserState));
}

/// <summary><c>userMsgHeader</c>: precedes a user message's raw bytes on a TCP stream.</summary>
/// <param name="UserMsgLen">Number of raw bytes that follow.</param>
internal sealed record UserMessageHeader(int UserMsgLen);

/// <summary><c>errResp</c> (type 13): a TCP reply saying the receiver could not read the request.</summary>
/// <param name="Error">The receiver's error text.</param>
internal sealed record ErrorResponse(string Error) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Err;
}
