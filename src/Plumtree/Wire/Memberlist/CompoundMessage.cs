using System.Buffers.Binary;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Compound messages (type 7): <c>[7][n: u8][n × u16 BE lengths][parts...]</c>, at most 255 parts each.
/// </summary>
internal static class CompoundMessage
{
    /// <summary>Bytes a compound adds per part (its length field).</summary>
    public const int PerPartOverhead = 2;

    /// <summary>
    /// Packs <paramref name="parts"/> into compound messages of at most 255 parts each (more parts give
    /// several compounds, as newer memberlist does). No parts give no compounds.
    /// </summary>
    /// <exception cref="ArgumentException">A part longer than 65,535 bytes.</exception>
    public static IReadOnlyList<byte[]> Build(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var result = new List<byte[]>((parts.Count + MemberlistLimits.MaxCompoundParts - 1) / MemberlistLimits.MaxCompoundParts);
        for (var start = 0; start < parts.Count; start += MemberlistLimits.MaxCompoundParts)
        {
            var count = Math.Min(MemberlistLimits.MaxCompoundParts, parts.Count - start);
            var size = 2 + (PerPartOverhead * count);
            for (var i = start; i < start + count; i++)
            {
                if (parts[i].Length > ushort.MaxValue)
                {
                    throw new ArgumentException($"Compound part {i} is {parts[i].Length} bytes; the limit is {ushort.MaxValue}.", nameof(parts));
                }

                size += parts[i].Length;
            }

            var buffer = new byte[size];
            buffer[0] = (byte)MessageType.Compound;
            buffer[1] = (byte)count;
            var offset = 2 + (PerPartOverhead * count);
            for (var i = 0; i < count; i++)
            {
                var part = parts[start + i].Span;
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2 + (PerPartOverhead * i)), (ushort)part.Length);
                part.CopyTo(buffer.AsSpan(offset));
                offset += part.Length;
            }

            result.Add(buffer);
        }

        return result;
    }

    /// <summary>Packs one to 255 parts into a single compound message.</summary>
    /// <exception cref="ArgumentException">No parts, more than 255, or a part longer than 65,535 bytes.</exception>
    public static byte[] BuildOne(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count is 0 or > MemberlistLimits.MaxCompoundParts)
        {
            throw new ArgumentException($"A compound holds 1 to {MemberlistLimits.MaxCompoundParts} parts, not {parts.Count}.", nameof(parts));
        }

        return Build(parts)[0];
    }

    /// <summary>
    /// Splits a compound body (the bytes after the type byte) into its parts. Parts cut off by the end of
    /// the buffer are dropped and counted in <paramref name="truncated"/>; the complete ones are returned.
    /// Bytes after the last part are ignored.
    /// </summary>
    /// <exception cref="WireDecodeException">No count byte, or the length table itself is cut off.</exception>
    public static List<ReadOnlyMemory<byte>> Parse(ReadOnlyMemory<byte> body, out int truncated)
    {
        var span = body.Span;
        if (span.Length < 1)
        {
            throw new WireDecodeException("memberlist", "truncated", "Compound message has no part count.");
        }

        var count = span[0];
        if (span.Length < 1 + (PerPartOverhead * count))
        {
            throw new WireDecodeException("memberlist", "truncated", $"Compound message declares {count} parts but its length table is cut off.");
        }

        var parts = new List<ReadOnlyMemory<byte>>(count);
        var offset = 1 + (PerPartOverhead * count);
        for (var i = 0; i < count; i++)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(span[(1 + (PerPartOverhead * i))..]);
            if (body.Length - offset < length)
            {
                truncated = count - i;
                return parts;
            }

            parts.Add(body.Slice(offset, length));
            offset += length;
        }

        truncated = 0;
        return parts;
    }
}
