using System.Buffers.Binary;
using System.Diagnostics;
using Plumtree.Broadcast;

namespace Plumtree.Wire;

/// <summary>Whole-frame decoding, and the body rules shared with the stream reader.</summary>
internal static partial class PlumtreeFrameCodec
{
    /// <summary>
    /// Decodes exactly one whole frame. A Gossip payload (and a Sync body) is a slice of <paramref name="frame"/> (no copy:
    /// the caller keeps that memory alive and unchanged for as long as it uses the payload). Throws
    /// <see cref="WireDecodeException"/> for any malformed input, including bytes after the declared body
    /// (<c>trailing_bytes</c>) and input that ends early (<c>truncated</c>).
    /// </summary>
    public static PlumtreeFrame Decode(ReadOnlyMemory<byte> frame, int maxFrameSize)
    {
        RequireMaxFrameSize(maxFrameSize);
        var span = frame.Span;
        if (span.Length < HeaderSize)
        {
            if (span.Length > 0 && span[0] != Version)
            {
                ThrowBadVersion(span[0]);
            }

            ThrowTruncatedHeader(span.Length);
        }

        var frameLength = ReadHeader(span, maxFrameSize, out var type);
        if (span.Length < frameLength)
        {
            ThrowTruncatedBody(type, frameLength, span.Length);
        }

        PlumtreeFrame result;
        if (type == FrameType.Gossip)
        {
            var id = ReadGossipHead(span[HeaderSize..frameLength], frameLength, out var hop);
            result = PlumtreeFrame.Gossip(id, hop, frame[GossipPrefixSize..frameLength]);
        }
        else if (type == FrameType.Sync)
        {
            RequireSyncBody(frameLength);
            result = PlumtreeFrame.Sync(frame[HeaderSize..frameLength]);
        }
        else if (type == FrameType.Keys)
        {
            RequireOpaqueBody(type, frameLength);
            result = PlumtreeFrame.Keys(frame[HeaderSize..frameLength]);
        }
        else
        {
            result = DecodeControlBody(type, span[HeaderSize..frameLength], frameLength);
        }

        if (span.Length > frameLength)
        {
            ThrowTrailingBytes(type, frameLength, span.Length);
        }

        return result;
    }

    /// <summary>
    /// Checks the length of a Gossip body and reads its id and hop from <paramref name="body"/>, which holds
    /// at least the first <see cref="IdHopSize"/> bytes of the body when the body is that long.
    /// </summary>
    private static MessageId ReadGossipHead(ReadOnlySpan<byte> body, int frameLength, out int hop)
    {
        if (frameLength - HeaderSize < IdHopSize)
        {
            ThrowBadBody(FrameType.Gossip, frameLength, $"the id and hop need {IdHopSize} bytes");
        }

        var id = new MessageId(BinaryPrimitives.ReadUInt64BigEndian(body), BinaryPrimitives.ReadUInt64BigEndian(body[8..]));
        if (id.IsEmpty)
        {
            ThrowBadBody(FrameType.Gossip, frameLength, "the message id is all zero");
        }

        hop = BinaryPrimitives.ReadUInt16BigEndian(body[MessageId.Size..]);
        return id;
    }

    /// <summary>
    /// Decodes the whole body of any frame type except Gossip. Never keeps a reference to <paramref name="body"/>:
    /// a Sync body is copied into a new array of exactly its size.
    /// </summary>
    private static PlumtreeFrame DecodeControlBody(FrameType type, ReadOnlySpan<byte> body, int frameLength)
    {
        switch (type)
        {
            case FrameType.IHave:
                return DecodeIHave(body, frameLength);
            case FrameType.Graft:
                if (body.Length != IdHopSize)
                {
                    ThrowBadBody(type, frameLength, $"a Graft body is {IdHopSize} bytes");
                }

                return PlumtreeFrame.Graft(MessageId.Read(body), BinaryPrimitives.ReadUInt16BigEndian(body[MessageId.Size..]));
            case FrameType.Neighbor:
                if (body.Length != NeighborBodySize)
                {
                    ThrowBadBody(type, frameLength, "a Neighbor body is 1 flags byte");
                }

                if ((body[0] & ~NeighborHighPriority) != 0)
                {
                    ThrowBadBody(type, frameLength, $"reserved flag bits are set (flags 0x{body[0]:x2})");
                }

                return PlumtreeFrame.Neighbor(body[0] == NeighborHighPriority);
            case FrameType.Prune:
                RequireEmptyBody(type, body, frameLength);
                return PlumtreeFrame.Prune();
            case FrameType.Splice:
                if (body.IsEmpty)
                {
                    ThrowBadBody(type, frameLength, "a Splice body is at least the kind byte");
                }

                var kind = (SpliceKind)body[0];
                if (SpliceBodyError(kind, body.Length - 1) is { } error)
                {
                    ThrowBadBody(type, frameLength, error);
                }

                return PlumtreeFrame.Splice(kind, body.Length > 1 ? body[1..].ToArray() : ReadOnlyMemory<byte>.Empty);
            case FrameType.Disconnect:
                RequireEmptyBody(type, body, frameLength);
                return PlumtreeFrame.Disconnect();
            case FrameType.Sync:
                RequireSyncBody(frameLength);
                return PlumtreeFrame.Sync(body.ToArray());
            case FrameType.Keys:
                RequireOpaqueBody(type, frameLength);
                return PlumtreeFrame.Keys(body.ToArray());
            case FrameType.Tree:
                RequireOpaqueBody(type, frameLength);
                return PlumtreeFrame.Tree(body.ToArray());
            default:
                // ReadHeader admits only known types, and Gossip bodies are read by the callers.
                throw new UnreachableException($"{type} has no control body.");
        }
    }

    private static PlumtreeFrame DecodeIHave(ReadOnlySpan<byte> body, int frameLength)
    {
        if (body.Length < IHaveCountSize)
        {
            ThrowBadBody(FrameType.IHave, frameLength, "the entry count needs 2 bytes");
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (count == 0)
        {
            ThrowBadBody(FrameType.IHave, frameLength, "the entry count is 0");
        }

        // Checked before allocating: the array is never bigger than the input justifies.
        if (body.Length != IHaveCountSize + (count * IdHopSize))
        {
            ThrowBadBody(FrameType.IHave, frameLength, $"{count} entries need {IHaveCountSize + (count * IdHopSize)} bytes");
        }

        var entries = new IHaveEntry[count];
        var offset = IHaveCountSize;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = body.Slice(offset, IdHopSize);
            var id = MessageId.Read(entry);
            if (id.IsEmpty)
            {
                ThrowBadBody(FrameType.IHave, frameLength, $"entry {i} has an all-zero message id");
            }

            entries[i] = new IHaveEntry(id, BinaryPrimitives.ReadUInt16BigEndian(entry[MessageId.Size..]));
            offset += IdHopSize;
        }

        return PlumtreeFrame.IHave(entries);
    }

    private static void RequireSyncBody(int frameLength) => RequireOpaqueBody(FrameType.Sync, frameLength);

    private static void RequireOpaqueBody(FrameType type, int frameLength)
    {
        if (frameLength == HeaderSize)
        {
            ThrowBadBody(type, frameLength, $"a {type} body is at least 1 byte");
        }
    }

    private static void RequireEmptyBody(FrameType type, ReadOnlySpan<byte> body, int frameLength)
    {
        if (!body.IsEmpty)
        {
            ThrowBadBody(type, frameLength, $"a {type} body is empty");
        }
    }
}
