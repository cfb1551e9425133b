namespace Plumtree.Wire.Memberlist;

/// <summary><c>suspect</c> (type 3): <see cref="From"/> suspects <see cref="Node"/> at <see cref="Incarnation"/>.</summary>
/// <param name="Incarnation">Incarnation of the suspected node the accuser knows.</param>
/// <param name="Node">The suspected node.</param>
/// <param name="From">The accuser.</param>
internal sealed record Suspect(uint Incarnation, string Node, string From) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Suspect;
}

/// <summary><c>alive</c> (type 4): <see cref="Node"/> is alive at <see cref="Incarnation"/> with this address, meta and versions.</summary>
/// <param name="Incarnation">The node's incarnation number.</param>
/// <param name="Node">Node name.</param>
/// <param name="Addr">Raw IP (4 or 16 bytes; see <see cref="MemberlistAddress"/>).</param>
/// <param name="Port">Memberlist port (UDP and TCP).</param>
/// <param name="Meta">Node meta (≤ 512 bytes); <see langword="null"/> = Go nil.</param>
/// <param name="Vsn">Protocol and delegate versions; <see langword="null"/> when absent.</param>
internal sealed record Alive(uint Incarnation, string Node, byte[]? Addr, ushort Port, byte[]? Meta, ProtocolVersions? Vsn)
    : MemberlistMessage
{
    /// <summary>Largest node meta memberlist allows (<c>MetaMaxSize</c>).</summary>
    public const int MetaMaxSize = 512;

    /// <inheritdoc/>
    public override MessageType Type => MessageType.Alive;

    /// <inheritdoc/>
    public bool Equals(Alive? other) =>
        other is not null && Incarnation == other.Incarnation && Node == other.Node && ByteArrays.Equal(Addr, other.Addr)
        && Port == other.Port && ByteArrays.Equal(Meta, other.Meta) && Vsn == other.Vsn;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Incarnation, Node, ByteArrays.Hash(Addr), Port, ByteArrays.Hash(Meta), Vsn);
}

/// <summary><c>dead</c> (type 5): <see cref="From"/> declares <see cref="Node"/> dead; <c>From == Node</c> is a graceful leave.</summary>
/// <param name="Incarnation">Incarnation of the dead node.</param>
/// <param name="Node">The dead (or leaving) node.</param>
/// <param name="From">Who declares it.</param>
internal sealed record Dead(uint Incarnation, string Node, string From) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Dead;

    /// <summary>The node announced its own departure (state becomes left, not dead).</summary>
    public bool IsLeave => string.Equals(Node, From, StringComparison.Ordinal);
}
