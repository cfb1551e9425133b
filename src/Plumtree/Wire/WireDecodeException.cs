namespace Plumtree.Wire;

/// <summary>
/// The one error every decoder in the project throws for malformed input. <see cref="Layer"/> names the
/// codec (it becomes the <c>layer</c> label of <c>plumtree_decode_errors_total</c>); <see cref="Reason"/>
/// is a short stable token for metrics and logs; the message says what was wrong in words.
/// </summary>
internal sealed class WireDecodeException : Exception
{
    /// <summary>Creates a decode error.</summary>
    public WireDecodeException(string layer, string reason, string message)
        : base(message)
    {
        Layer = layer;
        Reason = reason;
    }

    /// <summary>Creates a decode error wrapping a lower-level failure.</summary>
    public WireDecodeException(string layer, string reason, string message, Exception inner)
        : base(message, inner)
    {
        Layer = layer;
        Reason = reason;
    }

    /// <summary>Codec that refused the input: <c>plumtree</c>, <c>memberlist</c>, <c>msgpack</c>, <c>lzw</c>, <c>crypto</c>, ...</summary>
    public string Layer { get; }

    /// <summary>Stable short token, e.g. <c>truncated</c>, <c>too_large</c>, <c>unknown_type</c>, <c>bad_crc</c>.</summary>
    public string Reason { get; }

    /// <summary>
    /// Total length in bytes (header included) of the refused frame as its header declared it, when the
    /// codec got as far as reading a length; <see langword="null"/> when the framing itself is unknown
    /// (for example a bad version byte). A stream reader can drop this many bytes and carry on with the
    /// next frame, e.g. after an <c>unknown_type</c> from a newer peer.
    /// </summary>
    public long? FrameLength { get; init; }
}
