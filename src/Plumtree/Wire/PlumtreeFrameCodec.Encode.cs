using System.Buffers.Binary;
using System.Buffers;
using Plumtree.Broadcast;

namespace Plumtree.Wire;

/// <summary>Encoding: validate the whole frame and the size limit first, then write.</summary>
internal static partial class PlumtreeFrameCodec
{
    /// <summary>
    /// Writes <paramref name="frame"/> at the start of <paramref name="destination"/> and returns the number
    /// of bytes written. Throws <see cref="ArgumentException"/> when the frame is invalid (see
    /// <see cref="GetEncodedLength"/>), when it would be larger than <paramref name="maxFrameSize"/> bytes
    /// (header included) or when <paramref name="destination"/> is too short; nothing is written then.
    /// </summary>
    public static int Encode(in PlumtreeFrame frame, Span<byte> destination, int maxFrameSize)
    {
        var length = GetEncodedLength(frame);
        RequireWithinLimit(length, maxFrameSize);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the frame needs {length}.", nameof(destination));
        }

        WriteHeader(frame.Type, length, destination);
        if (frame.Type == FrameType.Gossip)
        {
            WriteIdHop(frame.Id, frame.Hop, destination[HeaderSize..]);
            frame.Payload.Span.CopyTo(destination[GossipPrefixSize..]);
        }
        else if (frame.Type is FrameType.Sync or FrameType.Keys or FrameType.Tree)
        {
            frame.Payload.Span.CopyTo(destination[HeaderSize..]);
        }
        else
        {
            WriteControlBody(frame, destination[HeaderSize..length]);
        }

        return length;
    }

    /// <summary>
    /// Appends <paramref name="frame"/> to <paramref name="writer"/>. Throws <see cref="ArgumentException"/>
    /// when the frame is invalid or larger than <paramref name="maxFrameSize"/> bytes (header included),
    /// before anything is written. A Gossip payload is copied in whatever chunk sizes the writer offers.
    /// </summary>
    public static void Encode(in PlumtreeFrame frame, IBufferWriter<byte> writer, int maxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var length = GetEncodedLength(frame);
        RequireWithinLimit(length, maxFrameSize);
        if (frame.Type == FrameType.Gossip)
        {
            var prefix = writer.GetSpan(GossipPrefixSize);
            WriteHeader(frame.Type, length, prefix);
            WriteIdHop(frame.Id, frame.Hop, prefix[HeaderSize..]);
            writer.Advance(GossipPrefixSize);
            writer.Write(frame.Payload.Span);
        }
        else if (frame.Type is FrameType.Sync or FrameType.Keys or FrameType.Tree)
        {
            WriteHeader(frame.Type, length, writer.GetSpan(HeaderSize));
            writer.Advance(HeaderSize);
            writer.Write(frame.Payload.Span);
        }
        else
        {
            var span = writer.GetSpan(length);
            WriteHeader(frame.Type, length, span);
            WriteControlBody(frame, span[HeaderSize..length]);
            writer.Advance(length);
        }
    }

    private static void RequireWithinLimit(int length, int maxFrameSize)
    {
        RequireMaxFrameSize(maxFrameSize);
        if (length > maxFrameSize)
        {
            throw new ArgumentException($"The frame is {length} bytes, over the {maxFrameSize}-byte limit.", "frame");
        }
    }

    private static void WriteHeader(FrameType type, int frameLength, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..HeaderSize], (uint)(frameLength - HeaderSize));
        destination[0] = Version;
        destination[1] = (byte)type;
    }

    private static void WriteIdHop(MessageId id, int hop, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination[MessageId.Size..IdHopSize], (ushort)hop);
        id.WriteTo(destination);
    }

    /// <summary>Writes the body of a validated non-Gossip frame into exactly <paramref name="body"/>.</summary>
    private static void WriteControlBody(in PlumtreeFrame frame, Span<byte> body)
    {
        switch (frame.Type)
        {
            case FrameType.IHave:
                var entries = frame.Entries.Span;
                BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)entries.Length);
                var offset = IHaveCountSize;
                foreach (ref readonly var entry in entries)
                {
                    WriteIdHop(entry.Id, entry.Hop, body.Slice(offset, IdHopSize));
                    offset += IdHopSize;
                }

                break;
            case FrameType.Graft:
                WriteIdHop(frame.Id, frame.Hop, body);
                break;
            case FrameType.Neighbor:
                body[0] = frame.Flag ? NeighborHighPriority : (byte)0;
                break;
            case FrameType.Splice:
                body[0] = (byte)frame.SpliceKind;
                frame.Payload.Span.CopyTo(body[1..]);
                break;
            default:
                // Prune and Disconnect have empty bodies; other types were refused by GetEncodedLength.
                break;
        }
    }
}
