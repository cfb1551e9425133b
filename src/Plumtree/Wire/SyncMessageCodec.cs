using System.Buffers.Binary;
using Plumtree.Sync;

namespace Plumtree.Wire;

/// <summary>
/// Binary format of anti-entropy reconciliation messages (<see cref="SyncMessage"/>). Not yet carried by any
/// frame: the sync engine will put a message in a Plumtree frame of a type in the reserved sync range.
/// <code>
/// message   := version:u8 (=1) | shape:u8 | salt:u64le | from_ms:varint | span_ms:varint | entry*
/// shape     := branch_bits (1..6) &lt;&lt; 4 | (fingerprint_bytes - 1) (fingerprint_bytes 4..16)
/// entry     := tag:varint (= depth &lt;&lt; 3 | kind) | index_delta:varint128 | body
///   index_delta: node index minus the first index at this depth after the previous entry's node (0 for the first
///   entry), so entries are ascending and disjoint by construction; bounds are never sent (both sides derive them).
/// Fingerprint := fp:F bytes le
/// Split       := mask:ceil(B/8) bytes le (bit k = sender holds ids in child k) | popcount(mask) × fp:F bytes le
/// IdList      := count:varint | count × offset:K bytes be
/// IdListReply := listed:varint | lack bits:ceil(listed/8) | count:varint | count × offset:K bytes be (responder only)
/// Continue    := (empty; last entry only)
/// </code>
/// An id in a range is sent as its offset from the range's low bound in K = bytes needed for (width - 1), so the
/// time prefix the range already pins down is never repeated (16 bytes at the top, 11 a few levels down).
/// Varints are LEB128. Decoding throws nothing but <see cref="WireDecodeException"/> (layer <c>sync</c>), checks
/// every declared count against the bytes present before allocating, and requires ids ascending inside their range.
/// </summary>
internal static class SyncMessageCodec
{
    /// <summary>The only format version.</summary>
    public const byte Version = 1;

    /// <summary>The <see cref="WireDecodeException.Layer"/> of every error this codec throws.</summary>
    public const string Layer = "sync";

    /// <summary>Largest encoded header.</summary>
    public const int MaxHeaderSize = 2 + 8 + 7 + 7;

    /// <summary>Largest encoded Continue entry (tag and a 128-bit index delta).</summary>
    public const int MaxContinueSize = 2 + 19;

    /// <summary>Encodes a whole message without a size limit. Throws <see cref="ArgumentException"/> for invalid messages.</summary>
    public static byte[] Encode(SyncMessage message)
    {
        var writer = new SyncMessageWriter(message.Header, int.MaxValue);
        foreach (var entry in message.Entries)
        {
            if (entry.Kind == SyncEntryKind.Continue)
            {
                writer.AddContinue(entry.Depth, entry.Index);
            }
            else if (!writer.TryAdd(entry))
            {
                throw new ArgumentException("Message too large.", nameof(message));
            }
        }

        return writer.ToArray();
    }

    /// <summary>Decodes a message written by <paramref name="sender"/>.</summary>
    public static SyncMessage Decode(ReadOnlySpan<byte> source, SyncRole sender)
    {
        var reader = new SpanReader(source);
        var version = reader.Byte();
        if (version != Version)
        {
            throw Error("unsupported_version", $"Sync message version {version} is not supported.");
        }

        var shape = reader.Byte();
        var header = new SyncMessageHeader(shape >> 4, (shape & 0x0F) + 1, reader.UInt64(), 0, 0);
        var from = reader.VarUInt64();
        var span = reader.VarUInt64();
        if (header.BranchBits is < SyncParameters.MinBranchBits or > SyncParameters.MaxBranchBits
            || header.FingerprintBytes < SyncParameters.MinFingerprintBytes)
        {
            throw Error("bad_shape", $"Sync shape byte 0x{shape:x2} is out of range.");
        }

        if (from > SyncKey.MaxMilliseconds || span == 0 || span > SyncKey.MaxMilliseconds - from)
        {
            throw Error("bad_range", "Sync top range is empty or beyond 48-bit milliseconds.");
        }

        header = header with { FromMilliseconds = (long)from, ToMilliseconds = (long)(from + span) };
        var tree = header.CreateTree();
        var entries = new List<SyncEntry>();
        var previous = default((int Depth, UInt128 Index)?);
        while (!reader.AtEnd)
        {
            if (entries.Count > 0 && entries[^1].Kind == SyncEntryKind.Continue)
            {
                throw Error("bad_continue", "A Continue entry must be the last entry.");
            }

            var tag = reader.VarUInt64();
            var kind = tag & 7;
            var depthValue = tag >> 3;
            if (depthValue > (ulong)tree.MaxDepth)
            {
                throw Error("bad_node", "Sync entry depth is beyond the tree.");
            }

            var depth = (int)depthValue;
            var baseIndex = previous is { } p ? tree.NextIndexAfter(p.Depth, p.Index, depth) : UInt128.Zero;
            var delta = reader.VarUInt128();
            var capacity = tree.Capacity(depth);
            if (baseIndex >= capacity || delta >= capacity - baseIndex)
            {
                throw Error("bad_node", "Sync entry range is out of order or beyond the tree.");
            }

            var index = baseIndex + delta;
            var node = tree.Resolve(depth, index);
            var entry = kind switch
            {
                (ulong)SyncEntryKind.Fingerprint => SyncEntry.ForFingerprint(depth, index, reader.Fingerprint(header.FingerprintBytes)),
                (ulong)SyncEntryKind.Split => ReadSplit(ref reader, tree, header, node),
                (ulong)SyncEntryKind.IdList => SyncEntry.ForIdList(depth, index, ReadIds(ref reader, node)),
                (ulong)SyncEntryKind.IdListReply when sender == SyncRole.Responder => ReadReply(ref reader, node),
                (ulong)SyncEntryKind.Continue => SyncEntry.ForContinue(depth, index),
                _ => throw Error("unknown_entry", $"Sync entry kind {kind} is unknown or not allowed from the {sender}."),
            };
            entries.Add(entry);
            previous = (depth, index);
        }

        return new SyncMessage(header, entries);
    }

    /// <summary>Bytes needed for an id offset inside a range of <paramref name="width"/> keys.</summary>
    internal static int OffsetBytes(UInt128 width) =>
        width <= UInt128.One ? 0 : (128 - (int)UInt128.LeadingZeroCount(width - 1) + 7) / 8;

    internal static WireDecodeException Error(string reason, string message) => new(Layer, reason, message);

    private static SyncEntry ReadSplit(ref SpanReader reader, SyncTree tree, SyncMessageHeader header, SyncNode node)
    {
        if (node.Depth >= tree.MaxDepth)
        {
            throw Error("bad_node", "A Split entry at the deepest level has no children.");
        }

        var maskBytes = (tree.Branching + 7) / 8;
        var maskSpan = reader.Bytes(maskBytes);
        Span<byte> padded = stackalloc byte[8];
        padded.Clear();
        maskSpan.CopyTo(padded);
        var mask = BinaryPrimitives.ReadUInt64LittleEndian(padded);
        if (tree.Branching < 64 && mask >> tree.Branching != 0)
        {
            throw Error("bad_mask", "Split mask has bits beyond the branching.");
        }

        var count = System.Numerics.BitOperations.PopCount(mask);
        reader.Require(count * header.FingerprintBytes);
        var fingerprints = new UInt128[count];
        for (var i = 0; i < count; i++)
        {
            fingerprints[i] = reader.Fingerprint(header.FingerprintBytes);
        }

        return SyncEntry.ForSplit(node.Depth, node.Index, mask, fingerprints);
    }

    private static SyncEntry ReadReply(ref SpanReader reader, SyncNode node)
    {
        var listed = reader.VarUInt64();
        if (listed > (ulong)int.MaxValue - 7 || (UInt128)listed > node.Width)
        {
            throw Error("too_many_ids", "Id list reply names more ids than its range can hold.");
        }

        var bitBytes = ((int)listed + 7) / 8;
        var bits = reader.Bytes(bitBytes).ToArray();
        if (listed % 8 != 0 && bits[^1] >> (int)(listed % 8) != 0)
        {
            throw Error("bad_mask", "Id list reply has bits beyond the listed count.");
        }

        var missing = ReadIds(ref reader, node);
        return SyncEntry.ForIdListReply(node.Depth, node.Index, (int)listed, bits, missing);
    }

    private static MessageId[] ReadIds(ref SpanReader reader, SyncNode node)
    {
        var count = reader.VarUInt64();
        var width = node.Width;
        var size = OffsetBytes(width);
        if ((UInt128)count > width || count > int.MaxValue || (size > 0 && count > (ulong)(reader.Remaining / size)))
        {
            throw Error("too_many_ids", "Id list is longer than its range or than the bytes present.");
        }

        var ids = new MessageId[(int)count];
        Span<byte> buffer = stackalloc byte[16];
        var previous = UInt128.Zero;
        for (var i = 0; i < ids.Length; i++)
        {
            buffer.Clear();
            reader.Bytes(size).CopyTo(buffer[(16 - size)..]);
            var offset = BinaryPrimitives.ReadUInt128BigEndian(buffer);
            if (offset >= width || (i > 0 && offset <= previous))
            {
                throw Error("bad_id", "Ids must be ascending and inside their range.");
            }

            previous = offset;
            ids[i] = SyncKey.ToId(node.Lo + offset);
        }

        return ids;
    }

    private ref struct SpanReader(ReadOnlySpan<byte> source)
    {
        private readonly ReadOnlySpan<byte> _source = source;
        private int _position;

        public readonly bool AtEnd => _position >= _source.Length;

        public readonly int Remaining => _source.Length - _position;

        public readonly void Require(int count)
        {
            if (count < 0 || count > Remaining)
            {
                throw Error("truncated", "Sync message ends early.");
            }
        }

        public byte Byte()
        {
            Require(1);
            return _source[_position++];
        }

        public ReadOnlySpan<byte> Bytes(int count)
        {
            Require(count);
            var span = _source.Slice(_position, count);
            _position += count;
            return span;
        }

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

        public UInt128 Fingerprint(int bytes)
        {
            Span<byte> buffer = stackalloc byte[16];
            buffer.Clear();
            Bytes(bytes).CopyTo(buffer);
            return BinaryPrimitives.ReadUInt128LittleEndian(buffer);
        }

        public ulong VarUInt64()
        {
            var value = VarUInt128();
            if (value > ulong.MaxValue)
            {
                throw Error("bad_varint", "Varint exceeds 64 bits.");
            }

            return (ulong)value;
        }

        public UInt128 VarUInt128()
        {
            UInt128 value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = Byte();
                var chunk = (UInt128)(b & 0x7Fu);
                if (shift >= 128 || (shift > 121 && chunk >> (128 - shift) != 0))
                {
                    throw Error("bad_varint", "Varint exceeds 128 bits.");
                }

                value |= chunk << shift;
                if ((b & 0x80) == 0)
                {
                    if (b == 0 && shift > 0)
                    {
                        throw Error("bad_varint", "Varint is not minimally encoded.");
                    }

                    return value;
                }
            }
        }
    }
}
