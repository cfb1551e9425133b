using System.Buffers;
using System.Buffers.Binary;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Finds where one msgpack value ends in a buffer that may be incomplete, without decoding it and without
/// recursion: the basis of incremental stream parsing (memberlist streams have no length prefix).
/// </summary>
internal static class MsgpackScanner
{
    /// <summary>
    /// Measures the value at the start of <paramref name="buffer"/>. Returns false when the buffer ends
    /// before the value does.
    /// </summary>
    /// <exception cref="WireDecodeException">
    /// An invalid first byte (<c>0xc1</c>), or a value that is (or declares itself) longer than <paramref name="limit"/> bytes.
    /// </exception>
    public static bool TryMeasure(in ReadOnlySequence<byte> buffer, long limit, out long length)
    {
        var reader = new SequenceReader<byte>(buffer);
        long pending = 1;
        length = 0;
        while (pending > 0)
        {
            if (!reader.TryRead(out var code))
            {
                return false;
            }

            pending--;
            long skip = 0;
            switch (code)
            {
                case <= 0x7f or >= 0xe0 or 0xc0 or 0xc2 or 0xc3:
                    break;
                case <= 0x8f:
                    pending += 2L * (code & 0x0f);
                    break;
                case <= 0x9f:
                    pending += code & 0x0f;
                    break;
                case <= 0xbf:
                    skip = code & 0x1f;
                    break;
                case 0xc1:
                    throw new WireDecodeException(GoMsgpack.Layer, "invalid", "Byte 0xc1 does not start a msgpack value.");
                case 0xc4 or 0xd9:
                    if (!TryReadLength(ref reader, 1, out skip)) return false;
                    break;
                case 0xc5 or 0xda:
                    if (!TryReadLength(ref reader, 2, out skip)) return false;
                    break;
                case 0xc6 or 0xdb:
                    if (!TryReadLength(ref reader, 4, out skip)) return false;
                    break;
                case 0xc7:
                    if (!TryReadLength(ref reader, 1, out skip)) return false;
                    skip++;
                    break;
                case 0xc8:
                    if (!TryReadLength(ref reader, 2, out skip)) return false;
                    skip++;
                    break;
                case 0xc9:
                    if (!TryReadLength(ref reader, 4, out skip)) return false;
                    skip++;
                    break;
                case 0xca or 0xce or 0xd2:
                    skip = 4;
                    break;
                case 0xcb or 0xcf or 0xd3:
                    skip = 8;
                    break;
                case 0xcc or 0xd0:
                    skip = 1;
                    break;
                case 0xcd or 0xd1:
                    skip = 2;
                    break;
                case 0xd4:
                    skip = 2;
                    break;
                case 0xd5:
                    skip = 3;
                    break;
                case 0xd6:
                    skip = 5;
                    break;
                case 0xd7:
                    skip = 9;
                    break;
                case 0xd8:
                    skip = 17;
                    break;
                case 0xdc:
                    if (!TryReadLength(ref reader, 2, out var a16)) return false;
                    pending += a16;
                    break;
                case 0xdd:
                    if (!TryReadLength(ref reader, 4, out var a32)) return false;
                    pending += a32;
                    break;
                case 0xde:
                    if (!TryReadLength(ref reader, 2, out var m16)) return false;
                    pending += 2 * m16;
                    break;
                default: // 0xdf
                    if (!TryReadLength(ref reader, 4, out var m32)) return false;
                    pending += 2 * m32;
                    break;
            }

            // Every pending value needs at least one more byte: refuse what cannot fit before waiting for it.
            if (reader.Consumed + skip + pending > limit)
            {
                throw new WireDecodeException(GoMsgpack.Layer, "too_large", $"A msgpack value in the stream exceeds {limit} bytes.");
            }

            if (reader.Remaining < skip)
            {
                return false;
            }

            reader.Advance(skip);
        }

        length = reader.Consumed;
        return true;
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, int size, out long length)
    {
        length = 0;
        Span<byte> bytes = stackalloc byte[4];
        if (!reader.TryCopyTo(bytes[..size]))
        {
            return false;
        }

        reader.Advance(size);
        length = size switch
        {
            1 => bytes[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
            _ => BinaryPrimitives.ReadUInt32BigEndian(bytes),
        };
        return true;
    }
}
