using System.Buffers.Binary;
using System.IO.Hashing;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The CRC wrapper (type 12, UDP only): <c>[12][CRC-32/IEEE of the message, big-endian][message]</c>.
/// Go adds it for recipients whose protocol max is ≥ 5; receivers accept packets with and without it.
/// </summary>
internal static class CrcWrapper
{
    /// <summary>Bytes the wrapper adds.</summary>
    public const int Overhead = 5;

    /// <summary>Wraps <paramref name="message"/> (type byte included).</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> message)
    {
        var buffer = new byte[Overhead + message.Length];
        buffer[0] = (byte)MessageType.HasCrc;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), Crc32.HashToUInt32(message));
        message.CopyTo(buffer.AsSpan(Overhead));
        return buffer;
    }

    /// <summary>
    /// If <paramref name="packet"/> starts with type 12 and has at least five bytes (Go's rule), checks the CRC
    /// and returns the inner message; otherwise returns <paramref name="packet"/> unchanged.
    /// </summary>
    /// <exception cref="WireDecodeException">The CRC does not match (layer memberlist, reason <c>bad_crc</c>).</exception>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> packet, out bool hadCrc)
    {
        var span = packet.Span;
        if (span.Length < Overhead || span[0] != (byte)MessageType.HasCrc)
        {
            hadCrc = false;
            return packet;
        }

        var expected = BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
        var actual = Crc32.HashToUInt32(span[Overhead..]);
        if (expected != actual)
        {
            throw new WireDecodeException("memberlist", "bad_crc", $"Packet CRC mismatch: header says {expected:x8}, content gives {actual:x8}.");
        }

        hadCrc = true;
        return packet[Overhead..];
    }
}
