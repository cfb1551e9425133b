using System.Buffers.Binary;
using Plumtree.Storage;

namespace Plumtree.Wire;

/// <summary>
/// Binary format of the body of a Sync frame (Plumtree frame type 16), big-endian like the rest of the wire
/// (<c>docs/wire-format.md</c>, "Sync frame bodies").
/// <code>
/// body      := kind:u8 | round:u32 | rest
/// Reconcile := from_ms:i64 | message (>= 1 byte; SyncMessageCodec)
/// Reply     := message (>= 1 byte)
/// Floor     := floor_ms:i64
/// Want      := count:u16 (>= 1) | count × id
/// Messages  := count:u16 | count × (id | len:varint | payload) | missing:u16 | missing × id   (count + missing >= 1)
/// Push      := as Messages, with missing = 0 and count >= 1
/// Refuse    := reason:u8
/// id        := high_delta:varint | low:u64
/// </code>
/// Times are Unix milliseconds in 0..2^48-1 (the range of a message id's timestamp); ids are never all zero.
/// Every list of ids (the Want ids, the ids of a page's messages, a page's missing ids: each list on its own) is
/// strictly ascending, and an id is written as its high 64 bits (timestamp and 16 random bits) minus those of the
/// previous id of its list (0 before the first), as a varint, then its low 64 bits: time-ordered ids a few seconds
/// apart cost ~12 bytes instead of 16. Varints are LEB128, minimal, at most 64 bits.
/// Decoding copies what it keeps and throws nothing but <see cref="WireDecodeException"/> (layer <c>sync</c>),
/// checking every declared count and length against the bytes present before allocating.
/// </summary>
internal static class SyncFrameCodec
{
    /// <summary>The <see cref="WireDecodeException.Layer"/> of every error this codec throws.</summary>
    public const string Layer = "sync";

    /// <summary>Bytes of kind and round.</summary>
    public const int HeaderSize = 5;

    /// <summary>Most bytes an id takes (a 10-byte high delta and the 8-byte low half).</summary>
    public const int MaxIdSize = MaxVarintSize + 8;

    /// <summary>Most bytes a Messages/Push entry takes before its payload: id and length (a u32 as a varint).</summary>
    public const int MaxEntryOverhead = MaxIdSize + 5;

    /// <summary>Most bytes of a page beyond the payload of its single message: header, counts and the entry's id and length.</summary>
    public const int MaxSingleMessageOverhead = HeaderSize + PageCountsSize + MaxEntryOverhead;

    private const int MaxVarintSize = 10;

    /// <summary>Fewest bytes an id takes.</summary>
    private const int MinIdSize = 1 + 8;

    /// <summary>Bytes of the two counts of a Messages/Push page.</summary>
    public const int PageCountsSize = 4;

    /// <summary>Most entries (and most missing ids) one page can count (u16).</summary>
    public const int MaxCount = ushort.MaxValue;

    /// <summary>Largest time a frame carries (48-bit milliseconds).</summary>
    public const long MaxMilliseconds = (1L << 48) - 1;

    /// <summary>Reason tokens this codec uses.</summary>
    internal static class Reasons
    {
        /// <summary>The body ends before its fields do.</summary>
        public const string Truncated = "truncated";

        /// <summary>The kind byte is not a known kind.</summary>
        public const string UnknownKind = "unknown_kind";

        /// <summary>A field is out of range: zero count, all-zero id, time beyond 48 bits, empty message, missing ids in a Push.</summary>
        public const string BadBody = "bad_body";

        /// <summary>Bytes follow the last field.</summary>
        public const string TrailingBytes = "trailing_bytes";
    }

    /// <summary>Reads the round of a body without validating the rest; false when the body is too short.</summary>
    public static bool TryPeekRound(ReadOnlySpan<byte> body, out uint round)
    {
        round = body.Length >= HeaderSize ? BinaryPrimitives.ReadUInt32BigEndian(body[1..]) : 0;
        return body.Length >= HeaderSize;
    }

    /// <summary>Decodes one body (copying what it keeps). Throws <see cref="WireDecodeException"/> for malformed input.</summary>
    public static SyncFrame Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < HeaderSize)
        {
            throw Error(Reasons.Truncated, $"A Sync body of {body.Length} bytes is shorter than its {HeaderSize}-byte kind and round.");
        }

        var kind = (SyncFrameKind)body[0];
        var round = BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
        var rest = body[HeaderSize..];
        switch (kind)
        {
            case SyncFrameKind.Reconcile:
                Require(rest, 8 + 1, kind, "from_ms and a message of at least 1 byte");
                return new SyncFrame { Kind = kind, Round = round, Milliseconds = ReadTime(rest, kind), Message = rest[8..].ToArray() };
            case SyncFrameKind.Reply:
                Require(rest, 1, kind, "a message of at least 1 byte");
                return new SyncFrame { Kind = kind, Round = round, Message = rest.ToArray() };
            case SyncFrameKind.Floor:
                Require(rest, 8, kind, "floor_ms");
                RequireEnd(rest, 8, kind);
                return new SyncFrame { Kind = kind, Round = round, Milliseconds = ReadTime(rest, kind) };
            case SyncFrameKind.Want:
                return DecodeWant(rest, round);
            case SyncFrameKind.Messages:
            case SyncFrameKind.Push:
                return DecodePage(kind, rest, round);
            case SyncFrameKind.Refuse:
                Require(rest, 1, kind, "the reason byte");
                RequireEnd(rest, 1, kind);
                if (rest[0] == 0)
                {
                    throw Error(Reasons.BadBody, "A Sync Refuse reason is 0.");
                }

                return new SyncFrame { Kind = kind, Round = round, Reason = (SyncRefuseReason)rest[0] };
            default:
                throw Error(Reasons.UnknownKind, $"Sync frame kind {body[0]} is unknown.");
        }
    }

    /// <summary>A Reconcile body.</summary>
    public static byte[] EncodeReconcile(uint round, long fromMilliseconds, ReadOnlySpan<byte> message)
    {
        RequireTime(fromMilliseconds);
        RequireMessage(message);
        var body = new byte[HeaderSize + 8 + message.Length];
        WriteHeader(body, SyncFrameKind.Reconcile, round);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(HeaderSize), fromMilliseconds);
        message.CopyTo(body.AsSpan(HeaderSize + 8));
        return body;
    }

    /// <summary>A Reply body.</summary>
    public static byte[] EncodeReply(uint round, ReadOnlySpan<byte> message)
    {
        RequireMessage(message);
        var body = new byte[HeaderSize + message.Length];
        WriteHeader(body, SyncFrameKind.Reply, round);
        message.CopyTo(body.AsSpan(HeaderSize));
        return body;
    }

    /// <summary>A Floor body.</summary>
    public static byte[] EncodeFloor(uint round, long floorMilliseconds)
    {
        RequireTime(floorMilliseconds);
        var body = new byte[HeaderSize + 8];
        WriteHeader(body, SyncFrameKind.Floor, round);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(HeaderSize), floorMilliseconds);
        return body;
    }

    /// <summary>A Want body for 1 to <see cref="MaxCount"/> ids.</summary>
    public static byte[] EncodeWant(uint round, ReadOnlySpan<MessageId> ids)
    {
        if (ids.Length is 0 or > MaxCount)
        {
            throw new ArgumentException($"A Want carries 1 to {MaxCount} ids, not {ids.Length}.", nameof(ids));
        }

        var body = new byte[HeaderSize + 2 + IdsSize(ids)];
        WriteHeader(body, SyncFrameKind.Want, round);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(HeaderSize), (ushort)ids.Length);
        var offset = HeaderSize + 2;
        WriteIds(body, ref offset, ids);
        return body;
    }

    /// <summary>A Refuse body.</summary>
    public static byte[] EncodeRefuse(uint round, SyncRefuseReason reason)
    {
        if ((byte)reason == 0)
        {
            throw new ArgumentException("A Refuse needs a reason.", nameof(reason));
        }

        var body = new byte[HeaderSize + 1];
        WriteHeader(body, SyncFrameKind.Refuse, round);
        body[HeaderSize] = (byte)reason;
        return body;
    }

    /// <summary>
    /// One Messages or Push page. Callers size pages with <see cref="PageSize"/>; this writes exactly that many bytes.
    /// </summary>
    public static byte[] EncodePage(SyncFrameKind kind, uint round, ReadOnlySpan<StoredMessage> entries, ReadOnlySpan<MessageId> missing)
    {
        if (kind is not (SyncFrameKind.Messages or SyncFrameKind.Push))
        {
            throw new ArgumentException($"{kind} is not a page kind.", nameof(kind));
        }

        if (entries.Length > MaxCount || missing.Length > MaxCount || entries.Length + missing.Length == 0
            || (kind == SyncFrameKind.Push && (missing.Length != 0 || entries.Length == 0)))
        {
            throw new ArgumentException($"A {kind} page of {entries.Length} messages and {missing.Length} missing ids cannot be encoded.", nameof(entries));
        }

        var size = PageSize(entries, missing);
        if (size > int.MaxValue)
        {
            throw new ArgumentException("The page is too large to encode.", nameof(entries));
        }

        var body = new byte[(int)size];
        WriteHeader(body, kind, round);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(HeaderSize), (ushort)entries.Length);
        var offset = HeaderSize + 2;
        var previous = MessageId.Empty;
        foreach (var entry in entries)
        {
            WriteId(body, ref offset, previous, entry.Id);
            WriteVarint(body, ref offset, (ulong)entry.Payload.Length);
            entry.Payload.Span.CopyTo(body.AsSpan(offset));
            offset += entry.Payload.Length;
            previous = entry.Id;
        }

        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(offset), (ushort)missing.Length);
        offset += 2;
        WriteIds(body, ref offset, missing);
        return body;
    }

    /// <summary>Encoded size of a Messages/Push page.</summary>
    public static long PageSize(ReadOnlySpan<StoredMessage> entries, ReadOnlySpan<MessageId> missing)
    {
        long size = HeaderSize + PageCountsSize + IdsSize(missing);
        var previous = MessageId.Empty;
        foreach (var entry in entries)
        {
            size += EntrySize(previous, entry.Id, entry.Payload.Length);
            previous = entry.Id;
        }

        return size;
    }

    /// <summary>
    /// Bytes <paramref name="id"/> takes in a list right after <paramref name="previous"/> (<see cref="MessageId.Empty"/>
    /// for the first id of a list). Throws <see cref="ArgumentException"/> unless <paramref name="id"/> is greater.
    /// </summary>
    public static int IdSize(MessageId previous, MessageId id)
    {
        RequireAscending(previous, id);
        return VarintSize(id.High - previous.High) + 8;
    }

    /// <summary>Bytes of a Messages/Push entry (id, length, payload) right after the entry of <paramref name="previous"/>.</summary>
    public static long EntrySize(MessageId previous, MessageId id, int payloadLength) =>
        IdSize(previous, id) + VarintSize((ulong)payloadLength) + (long)payloadLength;

    private static int IdsSize(ReadOnlySpan<MessageId> ids)
    {
        var size = 0;
        var previous = MessageId.Empty;
        foreach (var id in ids)
        {
            size += IdSize(previous, id);
            previous = id;
        }

        return size;
    }

    private static void WriteIds(Span<byte> body, ref int offset, ReadOnlySpan<MessageId> ids)
    {
        var previous = MessageId.Empty;
        foreach (var id in ids)
        {
            WriteId(body, ref offset, previous, id);
            previous = id;
        }
    }

    private static void WriteId(Span<byte> body, ref int offset, MessageId previous, MessageId id)
    {
        RequireAscending(previous, id);
        WriteVarint(body, ref offset, id.High - previous.High);
        BinaryPrimitives.WriteUInt64BigEndian(body[offset..], id.Low);
        offset += 8;
    }

    private static void WriteVarint(Span<byte> body, ref int offset, ulong value)
    {
        while (value >= 0x80)
        {
            body[offset++] = (byte)(value | 0x80);
            value >>= 7;
        }

        body[offset++] = (byte)value;
    }

    private static int VarintSize(ulong value) => value == 0 ? 1 : (70 - System.Numerics.BitOperations.LeadingZeroCount(value)) / 7;

    private static SyncFrame DecodeWant(ReadOnlySpan<byte> rest, uint round)
    {
        Require(rest, 2, SyncFrameKind.Want, "the count");
        int count = BinaryPrimitives.ReadUInt16BigEndian(rest);
        if (count == 0)
        {
            throw Error(Reasons.BadBody, "A Sync Want has 0 ids.");
        }

        Require(rest, 2 + (count * MinIdSize), SyncFrameKind.Want, $"{count} ids");
        var offset = 2;
        var ids = ReadIds(rest, ref offset, count, SyncFrameKind.Want);
        RequireEnd(rest, offset, SyncFrameKind.Want);
        return new SyncFrame { Kind = SyncFrameKind.Want, Round = round, Ids = ids };
    }

    private static SyncFrame DecodePage(SyncFrameKind kind, ReadOnlySpan<byte> rest, uint round)
    {
        Require(rest, 2, kind, "the message count");
        int count = BinaryPrimitives.ReadUInt16BigEndian(rest);
        Require(rest, 2 + (count * (MinIdSize + 1)), kind, $"{count} messages");
        var entries = new StoredMessage[count];
        var offset = 2;
        var previous = MessageId.Empty;
        for (var i = 0; i < count; i++)
        {
            var id = ReadId(rest, ref offset, previous, kind, $"message {i}");
            var length = ReadVarint(rest, ref offset, kind, $"the length of message {i}");
            previous = id;
            if (length > (uint)(rest.Length - offset))
            {
                throw Error(Reasons.Truncated, $"Sync {kind} message {i} declares {length} payload bytes; {rest.Length - offset} follow.");
            }

            entries[i] = new StoredMessage(id, rest.Slice(offset, (int)length).ToArray());
            offset += (int)length;
        }

        Require(rest, offset + 2, kind, "the missing count");
        int missing = BinaryPrimitives.ReadUInt16BigEndian(rest[offset..]);
        offset += 2;
        if (kind == SyncFrameKind.Push ? missing != 0 || count == 0 : count + missing == 0)
        {
            throw Error(Reasons.BadBody, kind == SyncFrameKind.Push
                ? $"A Sync Push carries {count} messages and {missing} missing ids (needs >= 1 message, 0 missing)."
                : "A Sync Messages page is empty.");
        }

        Require(rest, offset + (missing * MinIdSize), kind, $"{missing} missing ids");
        var ids = ReadIds(rest, ref offset, missing, kind);
        RequireEnd(rest, offset, kind);
        return new SyncFrame { Kind = kind, Round = round, Entries = entries, Ids = ids };
    }

    private static MessageId[] ReadIds(ReadOnlySpan<byte> rest, ref int offset, int count, SyncFrameKind kind)
    {
        var ids = new MessageId[count];
        var previous = MessageId.Empty;
        for (var i = 0; i < count; i++)
        {
            ids[i] = ReadId(rest, ref offset, previous, kind, $"id {i}");
            previous = ids[i];
        }

        return ids;
    }

    /// <summary>Reads one id of a list after <paramref name="previous"/>: it must be greater (so never all zero).</summary>
    private static MessageId ReadId(ReadOnlySpan<byte> rest, ref int offset, MessageId previous, SyncFrameKind kind, string what)
    {
        var delta = ReadVarint(rest, ref offset, kind, what);
        Require(rest, offset + 8, kind, what);
        var low = BinaryPrimitives.ReadUInt64BigEndian(rest[offset..]);
        offset += 8;
        if (delta > ulong.MaxValue - previous.High)
        {
            throw Error(Reasons.BadBody, $"Sync {kind} {what} overflows the high 64 bits.");
        }

        var id = new MessageId(previous.High + delta, low);
        if (id.CompareTo(previous) <= 0)
        {
            throw Error(Reasons.BadBody, previous.IsEmpty
                ? $"Sync {kind} {what} is all zero."
                : $"Sync {kind} {what} is not greater than the id before it.");
        }

        return id;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> rest, ref int offset, SyncFrameKind kind, string what)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            Require(rest, offset + 1, kind, what);
            var b = rest[offset++];
            if (shift == 63 && b > 1)
            {
                break;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0)
                {
                    throw Error(Reasons.BadBody, $"Sync {kind} {what} is a varint not minimally encoded.");
                }

                return value;
            }
        }

        throw Error(Reasons.BadBody, $"Sync {kind} {what} is a varint beyond 64 bits.");
    }

    private static long ReadTime(ReadOnlySpan<byte> source, SyncFrameKind kind)
    {
        var value = BinaryPrimitives.ReadInt64BigEndian(source);
        if (value is < 0 or > MaxMilliseconds)
        {
            throw Error(Reasons.BadBody, $"Sync {kind} time {value} is outside 0..2^48-1 ms.");
        }

        return value;
    }

    private static void Require(ReadOnlySpan<byte> rest, long needed, SyncFrameKind kind, string what)
    {
        if (rest.Length < needed)
        {
            throw Error(Reasons.Truncated, $"Sync {kind} body ends before {what} ({rest.Length} of {needed} bytes after kind and round).");
        }
    }

    private static void RequireEnd(ReadOnlySpan<byte> rest, int used, SyncFrameKind kind)
    {
        if (rest.Length != used)
        {
            throw Error(Reasons.TrailingBytes, $"Sync {kind} body has {rest.Length - used} bytes after its last field.");
        }
    }

    private static void WriteHeader(Span<byte> body, SyncFrameKind kind, uint round)
    {
        body[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32BigEndian(body[1..], round);
    }

    private static void RequireTime(long milliseconds)
    {
        if (milliseconds is < 0 or > MaxMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(milliseconds), milliseconds, "Sync times are 0..2^48-1 ms.");
        }
    }

    private static void RequireMessage(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            throw new ArgumentException("A reconciliation message is at least 1 byte.", nameof(message));
        }
    }

    private static void RequireAscending(MessageId previous, MessageId id)
    {
        if (id.IsEmpty)
        {
            throw new ArgumentException("Sync frames carry no all-zero ids.", nameof(id));
        }

        if (id.CompareTo(previous) <= 0)
        {
            throw new ArgumentException("The ids of a Sync list must be strictly ascending.", nameof(id));
        }
    }

    private static WireDecodeException Error(string reason, string message) => new(Layer, reason, message);
}
