namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The cluster label header (memberlist v0.3.0+): <c>[0xF4][length: u8][label]</c> before anything else
/// in a packet, or once at the start of a dialed stream. An empty label means no header at all.
/// </summary>
internal static class LabelHeader
{
    /// <summary>Bytes the header adds for a label of <paramref name="labelLength"/> bytes (0 when empty).</summary>
    public static int Overhead(int labelLength) => labelLength == 0 ? 0 : 2 + labelLength;

    /// <summary>Prefixes <paramref name="payload"/> with the header for <paramref name="label"/> (none when empty).</summary>
    /// <exception cref="ArgumentException">A label longer than 255 bytes.</exception>
    public static byte[] Add(ReadOnlySpan<byte> label, ReadOnlySpan<byte> payload)
    {
        if (label.Length > MemberlistLimits.MaxLabelBytes)
        {
            throw new ArgumentException($"A label has at most {MemberlistLimits.MaxLabelBytes} bytes, not {label.Length}.", nameof(label));
        }

        if (label.IsEmpty)
        {
            return payload.ToArray();
        }

        var buffer = new byte[2 + label.Length + payload.Length];
        buffer[0] = (byte)MessageType.HasLabel;
        buffer[1] = (byte)label.Length;
        label.CopyTo(buffer.AsSpan(2));
        payload.CopyTo(buffer.AsSpan(2 + label.Length));
        return buffer;
    }

    /// <summary>
    /// Splits a packet into its label (empty when there is no header) and the rest.
    /// </summary>
    /// <exception cref="WireDecodeException">A header that is cut off or declares an empty label.</exception>
    public static ReadOnlyMemory<byte> Strip(ReadOnlyMemory<byte> packet, out ReadOnlyMemory<byte> label)
    {
        var span = packet.Span;
        if (span.IsEmpty || span[0] != (byte)MessageType.HasLabel)
        {
            label = ReadOnlyMemory<byte>.Empty;
            return packet;
        }

        if (span.Length < 2)
        {
            throw new WireDecodeException("memberlist", "truncated", "Label header is cut off.");
        }

        int length = span[1];
        if (length == 0)
        {
            throw new WireDecodeException("memberlist", "bad_label", "Label header present with an empty label.");
        }

        if (span.Length < 2 + length)
        {
            throw new WireDecodeException("memberlist", "truncated", $"Label of {length} bytes is cut off.");
        }

        label = packet.Slice(2, length);
        return packet[(2 + length)..];
    }
}
