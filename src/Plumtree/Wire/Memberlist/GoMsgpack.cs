using System.Buffers;
using MessagePack;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// msgpack primitives with go-msgpack's conventions (memberlist-wire.md §3). Writing: old-spec raw strings
/// (never str8 or bin), nil for null byte arrays, smallest integer forms, maps keyed by Go field name.
/// Reading is lenient the way Go's decoder is: nil means the zero value, integers of any width that fits,
/// byte fields from str, bin or an array of small ints, bool from <c>0xc2/0xc3</c> or fixint 0/1; string
/// fields accept only str. Errors are <see cref="WireDecodeException"/> with layer <c>msgpack</c>; the
/// caller wraps whatever <see cref="MessagePackReader"/> itself throws (see <see cref="Wrap"/>).
/// </summary>
internal static class GoMsgpack
{
    /// <summary>Error layer of this codec.</summary>
    public const string Layer = "msgpack";

    /// <summary>Creates a writer configured like go-msgpack's default handle.</summary>
    public static MessagePackWriter CreateWriter(IBufferWriter<byte> output) => new(output) { OldSpec = true };

    /// <summary>Writes a Go <c>[]byte</c>: nil for <see langword="null"/>, else an old-spec raw string.</summary>
    public static void WriteBytes(ref MessagePackWriter writer, ReadOnlySpan<byte> bytes, bool isNil)
    {
        if (isNil)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(bytes);
        }
    }

    /// <summary>Writes a Go <c>[]byte</c>: nil for <see langword="null"/>, else an old-spec raw string.</summary>
    public static void WriteBytes(ref MessagePackWriter writer, byte[]? bytes) => WriteBytes(ref writer, bytes, bytes is null);

    /// <summary>Writes a <c>Vsn []uint8</c>: a 6-byte raw string, or nil when absent.</summary>
    public static void WriteVsn(ref MessagePackWriter writer, ProtocolVersions? vsn)
    {
        if (vsn is { } v)
        {
            // fixstr of length 6, then the six bytes (what Go writes for a []uint8 of length 6).
            var span = writer.GetSpan(1 + ProtocolVersions.Size);
            span[0] = 0xa0 | ProtocolVersions.Size;
            v.WriteTo(span[1..]);
            writer.Advance(1 + ProtocolVersions.Size);
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <summary>
    /// Reads the header of a struct: a map's entry count; nil counts as an empty struct.
    /// Anything else (including the positional array form Go never sends) is an error.
    /// </summary>
    public static int ReadStructHeader(ref MessagePackReader reader, string structName)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                return reader.ReadMapHeader();
            case MessagePackType.Nil:
                reader.ReadNil();
                return 0;
            default:
                throw Mismatch(structName, "a map", ref reader);
        }
    }

    /// <summary>
    /// Reads a map key as raw UTF-8 (a key split across buffer segments is copied).
    /// </summary>
    public static ReadOnlySpan<byte> ReadKey(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw Mismatch("map key", "a string", ref reader);
        }

        var key = reader.ReadStringSequence()!.Value;
        if (key.IsSingleSegment)
        {
            return key.FirstSpan;
        }

        return key.ToArray();
    }

    /// <summary>Reads an unsigned integer field of any encoded width, checking it fits <paramref name="max"/>.</summary>
    public static ulong ReadUnsigned(ref MessagePackReader reader, ulong max, string field)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return 0;
            case MessagePackType.Integer:
                ulong value;
                if (reader.NextCode == MessagePackCode.UInt64)
                {
                    value = reader.ReadUInt64();
                }
                else
                {
                    var signed = reader.ReadInt64();
                    if (signed < 0)
                    {
                        throw new WireDecodeException(Layer, "overflow", $"Field {field} is unsigned but the value is {signed}.");
                    }

                    value = (ulong)signed;
                }

                return value <= max
                    ? value
                    : throw new WireDecodeException(Layer, "overflow", $"Field {field} value {value} exceeds {max}.");
            default:
                throw Mismatch(field, "an integer", ref reader);
        }
    }

    /// <summary>Reads a signed integer field of any encoded width, checking it lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static long ReadSigned(ref MessagePackReader reader, long min, long max, string field)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return 0;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64)
                {
                    var big = reader.ReadUInt64();
                    if (big > (ulong)max)
                    {
                        throw new WireDecodeException(Layer, "overflow", $"Field {field} value {big} exceeds {max}.");
                    }

                    return (long)big;
                }

                var value = reader.ReadInt64();
                return value >= min && value <= max
                    ? value
                    : throw new WireDecodeException(Layer, "overflow", $"Field {field} value {value} is outside [{min}, {max}].");
            default:
                throw Mismatch(field, "an integer", ref reader);
        }
    }

    /// <summary>Reads a <c>uint32</c> field.</summary>
    public static uint ReadUInt32(ref MessagePackReader reader, string field) => (uint)ReadUnsigned(ref reader, uint.MaxValue, field);

    /// <summary>Reads a <c>uint16</c> field.</summary>
    public static ushort ReadUInt16(ref MessagePackReader reader, string field) => (ushort)ReadUnsigned(ref reader, ushort.MaxValue, field);

    /// <summary>Reads a <c>uint8</c> field.</summary>
    public static byte ReadUInt8(ref MessagePackReader reader, string field) => (byte)ReadUnsigned(ref reader, byte.MaxValue, field);

    /// <summary>Reads a <c>uint64</c> field.</summary>
    public static ulong ReadUInt64(ref MessagePackReader reader, string field) => ReadUnsigned(ref reader, ulong.MaxValue, field);

    /// <summary>Reads a Go <c>int</c> field into an <see cref="int"/> (values outside its range are errors).</summary>
    public static int ReadInt32(ref MessagePackReader reader, string field) => (int)ReadSigned(ref reader, int.MinValue, int.MaxValue, field);

    /// <summary>Reads a <c>bool</c> field: true/false, nil (false), or fixint 0/1 as go-msgpack allows.</summary>
    public static bool ReadBool(ref MessagePackReader reader, string field)
    {
        switch (reader.NextCode)
        {
            case MessagePackCode.True:
            case MessagePackCode.False:
                return reader.ReadBoolean();
            case MessagePackCode.Nil:
                reader.ReadNil();
                return false;
            case 0:
                reader.ReadByte();
                return false;
            case 1:
                reader.ReadByte();
                return true;
            default:
                throw Mismatch(field, "a bool", ref reader);
        }
    }

    /// <summary>Reads a Go <c>string</c> field: str of any width; nil is "". Bin is an error, as in Go.</summary>
    public static string ReadString(ref MessagePackReader reader, string field)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String:
                return reader.ReadString()!;
            case MessagePackType.Nil:
                reader.ReadNil();
                return "";
            default:
                throw Mismatch(field, "a string", ref reader);
        }
    }

    /// <summary>
    /// Reads a Go <c>[]byte</c> field: nil → <see langword="null"/>; str (any width) or bin → the bytes;
    /// an array of integers 0..255 → the bytes.
    /// </summary>
    public static byte[]? ReadBytes(ref MessagePackReader reader, string field)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.String:
                return ToArray(reader.ReadStringSequence()!.Value);
            case MessagePackType.Binary:
                return ToArray(reader.ReadBytes()!.Value);
            case MessagePackType.Array:
                // ReadArrayHeader refuses counts larger than the remaining bytes, so this allocation is bounded by the input.
                var count = reader.ReadArrayHeader();
                var bytes = count == 0 ? [] : new byte[count];
                for (var i = 0; i < count; i++)
                {
                    bytes[i] = ReadUInt8(ref reader, field);
                }

                return bytes;
            default:
                throw Mismatch(field, "bytes", ref reader);
        }
    }

    /// <summary>
    /// Reads a <c>Vsn []uint8</c>: nil or empty → <see langword="null"/>; six or more bytes → the first six.
    /// One to five bytes would crash a Go receiver and are refused.
    /// </summary>
    public static ProtocolVersions? ReadVsn(ref MessagePackReader reader)
    {
        var bytes = ReadBytes(ref reader, "Vsn");
        if (bytes is null || bytes.Length == 0)
        {
            return null;
        }

        return bytes.Length >= ProtocolVersions.Size
            ? ProtocolVersions.Read(bytes)
            : throw new WireDecodeException("memberlist", "bad_vsn", $"Vsn must have {ProtocolVersions.Size} bytes, got {bytes.Length}.");
    }

    /// <summary>
    /// Skips one value of any type without recursion (a deeply nested array cannot exhaust the stack).
    /// </summary>
    public static void Skip(ref MessagePackReader reader)
    {
        long pending = 1;
        while (pending > 0)
        {
            pending--;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Array:
                    pending += reader.ReadArrayHeader();
                    break;
                case MessagePackType.Map:
                    pending += 2L * reader.ReadMapHeader();
                    break;
                case MessagePackType.Unknown:
                    throw new WireDecodeException(Layer, "invalid", $"Byte 0x{reader.NextCode:x2} does not start a msgpack value.");
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    /// <summary>Whether <paramref name="exception"/> is one of the ways <see cref="MessagePackReader"/> rejects input.</summary>
    public static bool IsReaderFailure(Exception exception) =>
        exception is EndOfStreamException or OverflowException or MessagePackSerializationException
            or InvalidOperationException or ArgumentException;

    /// <summary>Turns a <see cref="MessagePackReader"/> failure (see <see cref="IsReaderFailure"/>) into a <see cref="WireDecodeException"/>.</summary>
    public static WireDecodeException Wrap(Exception exception, string what) => exception switch
    {
        EndOfStreamException => new WireDecodeException(Layer, "truncated", $"{what}: msgpack value is truncated.", exception),
        OverflowException => new WireDecodeException(Layer, "overflow", $"{what}: integer out of range.", exception),
        _ => new WireDecodeException(Layer, "invalid", $"{what}: {exception.Message}", exception),
    };

    private static byte[] ToArray(in ReadOnlySequence<byte> bytes) => bytes.IsEmpty ? [] : bytes.ToArray();

    private static WireDecodeException Mismatch(string field, string expected, ref MessagePackReader reader) =>
        new(Layer, "type_mismatch", $"Field {field} must be {expected}, got msgpack {reader.NextMessagePackType} (0x{reader.NextCode:x2}).");
}
