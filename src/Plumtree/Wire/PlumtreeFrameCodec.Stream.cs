using System.Buffers;
using Plumtree.Broadcast;

namespace Plumtree.Wire;

/// <summary>Stream reading (System.IO.Pipelines style): one frame at a time from a growing buffer.</summary>
internal static partial class PlumtreeFrameCodec
{
    /// <summary>Largest non-Gossip body copied to the stack when it straddles buffer segments.</summary>
    private const int StackBodyLimit = 256;

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/>. Returns <see langword="false"/> and leaves
    /// <paramref name="buffer"/> as it was when more bytes are needed; returns <see langword="true"/> and moves
    /// <paramref name="buffer"/> past the frame otherwise. The header is checked as soon as it is complete
    /// (and a wrong version byte as soon as it arrives), so a frame over <paramref name="maxFrameSize"/> is
    /// refused before its body is awaited or buffered. A Gossip payload is copied into a new array of exactly
    /// its size (the stream buffer will be reused); that array is the only allocation for a Gossip frame. A Sync
    /// body is copied the same way.
    /// Throws only <see cref="WireDecodeException"/> for bad input, without moving <paramref name="buffer"/>;
    /// when <see cref="WireDecodeException.FrameLength"/> is set the framing is intact and the caller may
    /// skip that many bytes and read on.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out PlumtreeFrame frame)
    {
        RequireMaxFrameSize(maxFrameSize);
        frame = default;
        var available = buffer.Length;
        var first = buffer.FirstSpan;
        if (available < HeaderSize)
        {
            if (available > 0)
            {
                var version = first.IsEmpty ? FirstByte(buffer) : first[0];
                if (version != Version)
                {
                    ThrowBadVersion(version);
                }
            }

            return false;
        }

        Span<byte> prefix = stackalloc byte[GossipPrefixSize];
        int frameLength;
        FrameType type;
        if (first.Length >= HeaderSize)
        {
            frameLength = ReadHeader(first, maxFrameSize, out type);
        }
        else
        {
            buffer.Slice(0, HeaderSize).CopyTo(prefix);
            frameLength = ReadHeader(prefix, maxFrameSize, out type);
        }

        if (available < frameLength)
        {
            return false;
        }

        if (first.Length >= frameLength)
        {
            // The whole frame is in the first segment: the common case.
            frame = type == FrameType.Gossip
                ? CopyGossip(first[..frameLength], frameLength)
                : DecodeControlBody(type, first[HeaderSize..frameLength], frameLength);
        }
        else
        {
            frame = type == FrameType.Gossip
                ? CopyGossip(buffer.Slice(0, frameLength), frameLength, prefix)
                : DecodeSegmentedControl(type, buffer.Slice(HeaderSize, frameLength - HeaderSize), frameLength);
        }

        buffer = buffer.Slice(frameLength);
        return true;
    }

    private static byte FirstByte(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> one = stackalloc byte[1];
        buffer.Slice(0, 1).CopyTo(one);
        return one[0];
    }

    /// <summary>Gossip from one contiguous span holding exactly the frame.</summary>
    private static PlumtreeFrame CopyGossip(ReadOnlySpan<byte> frame, int frameLength)
    {
        var id = ReadGossipHead(frame[HeaderSize..], frameLength, out var hop);
        var payload = frame[GossipPrefixSize..];
        return PlumtreeFrame.Gossip(id, hop, payload.IsEmpty ? Array.Empty<byte>() : payload.ToArray());
    }

    /// <summary>Gossip spread over several segments; <paramref name="scratch"/> holds <see cref="GossipPrefixSize"/> bytes.</summary>
    private static PlumtreeFrame CopyGossip(in ReadOnlySequence<byte> frame, int frameLength, Span<byte> scratch)
    {
        var head = scratch[..Math.Min(frameLength, GossipPrefixSize)];
        frame.Slice(0, head.Length).CopyTo(head);
        var id = ReadGossipHead(head[HeaderSize..], frameLength, out var hop);
        var payloadLength = frameLength - GossipPrefixSize;
        if (payloadLength == 0)
        {
            return PlumtreeFrame.Gossip(id, hop, Array.Empty<byte>());
        }

        var payload = GC.AllocateUninitializedArray<byte>(payloadLength);
        frame.Slice(GossipPrefixSize).CopyTo(payload);
        return PlumtreeFrame.Gossip(id, hop, payload);
    }

    /// <summary>A non-Gossip body spread over several segments: gathered into one span, then decoded.</summary>
    private static PlumtreeFrame DecodeSegmentedControl(FrameType type, in ReadOnlySequence<byte> body, int frameLength)
    {
        var bodyLength = (int)body.Length;
        if (bodyLength <= StackBodyLimit)
        {
            Span<byte> copy = stackalloc byte[StackBodyLimit];
            body.CopyTo(copy);
            return DecodeControlBody(type, copy[..bodyLength], frameLength);
        }

        var rented = ArrayPool<byte>.Shared.Rent(bodyLength);
        try
        {
            body.CopyTo(rented);
            return DecodeControlBody(type, rented.AsSpan(0, bodyLength), frameLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
