namespace Plumtree.Wire.Memberlist;

/// <summary>
/// A user (application) message, type 8. On UDP it is <c>[8][payload]</c>; on a TCP stream
/// <c>[8]</c>, a <see cref="UserMessageHeader"/>, then the payload.
/// </summary>
/// <param name="Payload">The application bytes.</param>
internal sealed record UserMessage(byte[] Payload) : MemberlistMessage
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.User;

    /// <inheritdoc/>
    public bool Equals(UserMessage? other) => other is not null && Payload.AsSpan().SequenceEqual(other.Payload);

    /// <inheritdoc/>
    public override int GetHashCode() => ByteArrays.Hash(Payload);
}

/// <summary>
/// <c>compress</c> (type 9): a wrapper whose <see cref="Buf"/> holds another message (type byte included)
/// compressed with <see cref="Algo"/>. Decoders unwrap it; it is exposed for encoding and inspection.
/// </summary>
/// <param name="Algo">Compression algorithm; 0 = LZW, the only one memberlist defines.</param>
/// <param name="Buf">Compressed bytes; <see langword="null"/> = Go nil.</param>
internal sealed record Compress(byte Algo, byte[]? Buf) : MemberlistMessage
{
    /// <summary>The LZW algorithm number.</summary>
    public const byte Lzw = 0;

    /// <inheritdoc/>
    public override MessageType Type => MessageType.Compress;

    /// <inheritdoc/>
    public bool Equals(Compress? other) => other is not null && Algo == other.Algo && ByteArrays.Equal(Buf, other.Buf);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Algo, ByteArrays.Hash(Buf));
}
