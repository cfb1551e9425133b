namespace Plumtree.Wire.Memberlist;

/// <summary>
/// A memberlist message as it exists after every wrapper (label, encryption, CRC, compound, compression)
/// has been removed: one of <see cref="Ping"/>, <see cref="IndirectPing"/>, <see cref="Ack"/>,
/// <see cref="Nack"/>, <see cref="Suspect"/>, <see cref="Alive"/>, <see cref="Dead"/>,
/// <see cref="UserMessage"/>, <see cref="PushPull"/>, <see cref="ErrorResponse"/> or <see cref="Compress"/>.
/// Records are immutable and compare by value (byte arrays by content).
/// </summary>
internal abstract record MemberlistMessage
{
    /// <summary>The type byte this message is sent with.</summary>
    public abstract MessageType Type { get; }

    /// <summary>
    /// Go's <c>omitempty</c> on a byte slice: empty and nil both mean "absent"; kept as <see langword="null"/>
    /// so that equal wire forms give equal records.
    /// </summary>
    private protected static byte[]? OmitEmpty(byte[]? bytes) => bytes is { Length: 0 } ? null : bytes;
}
