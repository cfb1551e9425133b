using System.Buffers;
using System.Buffers.Binary;
using Plumtree.Sync;

namespace Plumtree.Wire;

/// <summary>
/// Builds one <see cref="SyncMessageCodec"/> message entry by entry under a byte limit (the page): an entry that
/// would not leave room for a closing Continue entry is refused, so the caller can end the page with
/// <see cref="AddContinue"/> and the message never exceeds the limit. Entries must be added in ascending order.
/// </summary>
internal sealed class SyncMessageWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private readonly SyncMessageHeader _header;
    private readonly int _limit;
    private (int Depth, UInt128 Index)? _previous;
    private bool _closed;

    /// <summary>Starts a message with <paramref name="header"/> limited to <paramref name="limit"/> bytes.</summary>
    public SyncMessageWriter(SyncMessageHeader header, int limit)
    {
        header.Validate();
        if (limit < SyncMessageCodec.MaxHeaderSize + SyncMessageCodec.MaxContinueSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "The page limit cannot hold a header and a Continue entry.");
        }

        _header = header;
        _limit = limit;
        Tree = header.CreateTree();
        var span = _buffer.GetSpan(SyncMessageCodec.MaxHeaderSize);
        span[0] = SyncMessageCodec.Version;
        span[1] = (byte)((header.BranchBits << 4) | (header.FingerprintBytes - 1));
        BinaryPrimitives.WriteUInt64LittleEndian(span[2..], header.Salt);
        _buffer.Advance(10);
        WriteVarint(_buffer, (ulong)header.FromMilliseconds);
        WriteVarint(_buffer, (ulong)(header.ToMilliseconds - header.FromMilliseconds));
    }

    /// <summary>The round's range tree.</summary>
    public SyncTree Tree { get; }

    /// <summary>Bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>Entries written so far (a Continue included).</summary>
    public int EntryCount { get; private set; }

    /// <summary>True once a Continue entry ended the message.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Appends <paramref name="entry"/> if it fits with room left for a Continue entry; false (and nothing written)
    /// otherwise. Throws <see cref="ArgumentException"/> for an entry that is invalid or out of order.
    /// </summary>
    public bool TryAdd(SyncEntry entry)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The message already ended with a Continue entry.");
        }

        if (entry.Kind == SyncEntryKind.Continue)
        {
            throw new ArgumentException("Use AddContinue.", nameof(entry));
        }

        _scratch.ResetWrittenCount();
        WriteEntry(_scratch, entry);
        if ((long)Length + _scratch.WrittenCount + SyncMessageCodec.MaxContinueSize > _limit)
        {
            return false;
        }

        _buffer.Write(_scratch.WrittenSpan);
        _previous = (entry.Depth, entry.Index);
        EntryCount++;
        return true;
    }

    /// <summary>Ends the message with a Continue entry at the given node (always fits: room is reserved).</summary>
    public void AddContinue(int depth, UInt128 index)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The message already ended with a Continue entry.");
        }

        WriteRef(_buffer, depth, index, SyncEntryKind.Continue);
        _previous = (depth, index);
        _closed = true;
        EntryCount++;
    }

    /// <summary>The encoded message.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void WriteEntry(ArrayBufferWriter<byte> output, SyncEntry entry)
    {
        var node = WriteRef(output, entry.Depth, entry.Index, entry.Kind);
        var fpBytes = _header.FingerprintBytes;
        switch (entry.Kind)
        {
            case SyncEntryKind.Fingerprint:
                WriteFingerprint(output, entry.Fingerprint, fpBytes);
                break;
            case SyncEntryKind.Split:
                if (entry.Depth >= Tree.MaxDepth)
                {
                    throw new ArgumentException("A Split entry at the deepest level has no children.", nameof(entry));
                }

                if ((Tree.Branching < 64 && entry.ChildMask >> Tree.Branching != 0)
                    || System.Numerics.BitOperations.PopCount(entry.ChildMask) != entry.ChildFingerprints.Count)
                {
                    throw new ArgumentException("Split mask and fingerprints disagree.", nameof(entry));
                }

                Span<byte> mask = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(mask, entry.ChildMask);
                output.Write(mask[..((Tree.Branching + 7) / 8)]);
                foreach (var fingerprint in entry.ChildFingerprints)
                {
                    WriteFingerprint(output, fingerprint, fpBytes);
                }

                break;
            case SyncEntryKind.IdList:
                WriteIds(output, node, entry.Ids);
                break;
            case SyncEntryKind.IdListReply:
                if (entry.LackBits.Count != (entry.ListedCount + 7) / 8)
                {
                    throw new ArgumentException("Lack bits do not match the listed count.", nameof(entry));
                }

                WriteVarint(output, (ulong)entry.ListedCount);
                foreach (var b in entry.LackBits)
                {
                    output.GetSpan(1)[0] = b;
                    output.Advance(1);
                }

                WriteIds(output, node, entry.Ids);
                break;
            default:
                throw new ArgumentException($"Unknown entry kind {entry.Kind}.", nameof(entry));
        }
    }

    private SyncNode WriteRef(ArrayBufferWriter<byte> output, int depth, UInt128 index, SyncEntryKind kind)
    {
        if (!Tree.Contains(depth, index))
        {
            throw new ArgumentException($"Node {depth}/{index} is not in the tree.", nameof(index));
        }

        var baseIndex = _previous is { } p ? Tree.NextIndexAfter(p.Depth, p.Index, depth) : UInt128.Zero;
        if (index < baseIndex)
        {
            throw new ArgumentException("Entries must be ascending and disjoint.", nameof(index));
        }

        WriteVarint(output, ((UInt128)(uint)depth << 3) | (uint)kind);
        WriteVarint(output, index - baseIndex);
        return Tree.Resolve(depth, index);
    }

    private static void WriteIds(ArrayBufferWriter<byte> output, SyncNode node, IReadOnlyList<MessageId> ids)
    {
        var size = SyncMessageCodec.OffsetBytes(node.Width);
        WriteVarint(output, (ulong)ids.Count);
        Span<byte> buffer = stackalloc byte[16];
        UInt128 previous = 0;
        for (var i = 0; i < ids.Count; i++)
        {
            var key = SyncKey.Of(ids[i]);
            if (key < node.Lo || key >= node.Hi || (i > 0 && key <= previous))
            {
                throw new ArgumentException("Ids must be ascending and inside their range.", nameof(ids));
            }

            previous = key;
            BinaryPrimitives.WriteUInt128BigEndian(buffer, key - node.Lo);
            output.Write(buffer[(16 - size)..]);
        }
    }

    private static void WriteFingerprint(ArrayBufferWriter<byte> output, UInt128 fingerprint, int bytes)
    {
        if (bytes < 16 && fingerprint >> (8 * bytes) != 0)
        {
            throw new ArgumentException("Fingerprint is wider than the round's fingerprint size.", nameof(fingerprint));
        }

        Span<byte> buffer = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(buffer, fingerprint);
        output.Write(buffer[..bytes]);
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, UInt128 value)
    {
        var span = output.GetSpan(19);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)((byte)value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }
}
