namespace Plumtree.Wire.Memberlist;

/// <summary>
/// <c>ping</c> (type 0): a direct probe. The receiver drops it unless <see cref="Node"/> is empty or its own
/// name, and sends an <see cref="Ack"/> with the same <see cref="SeqNo"/> to <c>SourceAddr:SourcePort</c>
/// (or to the UDP source when those are absent).
/// </summary>
/// <param name="SeqNo">Probe sequence number echoed in the ack.</param>
/// <param name="Node">Name of the node being pinged ("" = whoever receives it).</param>
/// <param name="SourceAddr">Raw IP where the ack should go (omitempty; <see langword="null"/> when absent).</param>
/// <param name="SourcePort">Port where the ack should go (omitempty).</param>
/// <param name="SourceNode">Name of the prober (omitempty).</param>
internal sealed record Ping(uint SeqNo, string Node, byte[]? SourceAddr = null, ushort SourcePort = 0, string SourceNode = "")
    : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Ping;

    /// <summary>Raw IP where the ack should go; empty is normalised to <see langword="null"/> (omitempty).</summary>
    public byte[]? SourceAddr { get; init => field = OmitEmpty(value); } = OmitEmpty(SourceAddr);

    /// <inheritdoc/>
    public bool Equals(Ping? other) =>
        other is not null && SeqNo == other.SeqNo && Node == other.Node && ByteArrays.Equal(SourceAddr, other.SourceAddr)
        && SourcePort == other.SourcePort && SourceNode == other.SourceNode;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SeqNo, Node, ByteArrays.Hash(SourceAddr), SourcePort, SourceNode);
}

/// <summary>
/// <c>indirectPingReq</c> (type 1): asks a helper to ping <see cref="Target"/> and relay the ack
/// (same <see cref="SeqNo"/>) back to the requester, or a <see cref="Nack"/> when <see cref="Nack"/> is set
/// and the target stays silent.
/// </summary>
/// <param name="SeqNo">The requester's probe sequence number.</param>
/// <param name="Target">Raw IP of the node to probe.</param>
/// <param name="Port">Port of the node to probe.</param>
/// <param name="Node">Name of the node to probe.</param>
/// <param name="Nack">The requester wants a nack if the target does not answer (protocol ≥ 4).</param>
/// <param name="SourceAddr">Raw IP of the requester (omitempty).</param>
/// <param name="SourcePort">Port of the requester (omitempty).</param>
/// <param name="SourceNode">Name of the requester (omitempty).</param>
internal sealed record IndirectPing(
    uint SeqNo,
    byte[]? Target,
    ushort Port,
    string Node,
    bool Nack,
    byte[]? SourceAddr = null,
    ushort SourcePort = 0,
    string SourceNode = "") : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.IndirectPing;

    /// <summary>Raw IP of the requester; empty is normalised to <see langword="null"/> (omitempty).</summary>
    public byte[]? SourceAddr { get; init => field = OmitEmpty(value); } = OmitEmpty(SourceAddr);

    /// <inheritdoc/>
    public bool Equals(IndirectPing? other) =>
        other is not null && SeqNo == other.SeqNo && ByteArrays.Equal(Target, other.Target) && Port == other.Port
        && Node == other.Node && Nack == other.Nack && ByteArrays.Equal(SourceAddr, other.SourceAddr)
        && SourcePort == other.SourcePort && SourceNode == other.SourceNode;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(SeqNo, ByteArrays.Hash(Target), Port, Node, Nack, ByteArrays.Hash(SourceAddr), SourcePort, SourceNode);
}

/// <summary><c>ackResp</c> (type 2): answer to a ping, matched by <see cref="SeqNo"/> only.</summary>
/// <param name="SeqNo">Sequence number of the ping being answered.</param>
/// <param name="Payload">Ping-delegate payload (serf: a Vivaldi coordinate); <see langword="null"/> = Go nil (<c>0xc0</c>).</param>
internal sealed record Ack(uint SeqNo, byte[]? Payload = null) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Ack;

    /// <inheritdoc/>
    public bool Equals(Ack? other) => other is not null && SeqNo == other.SeqNo && ByteArrays.Equal(Payload, other.Payload);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SeqNo, ByteArrays.Hash(Payload));
}

/// <summary><c>nackResp</c> (type 11): an indirect-ping helper got no ack from the target in time.</summary>
/// <param name="SeqNo">The requester's sequence number from the <see cref="IndirectPing"/>.</param>
internal sealed record Nack(uint SeqNo) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Nack;
}
