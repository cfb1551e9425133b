using System.Buffers.Binary;
using Plumtree.Broadcast;

namespace Plumtree.Wire;

/// <summary>
/// Binary codec for <see cref="PlumtreeFrame"/>s: versioned, length-framed, big-endian
/// (<c>docs/wire-format.md</c>, "Plumtree frames").
/// <code>
/// frame      := version:u8 (=1) | type:u8 | body_length:u32 | body
/// Gossip     := id:16 | hop:u16 | payload
/// IHave      := count:u16 (>=1) | count × (id:16 | hop:u16)
/// Graft      := id:16 (all-zero = link-only graft) | hop:u16
/// Prune      := (empty)
/// Neighbor   := flags:u8 (bit0 = high priority, other bits 0)
/// Disconnect := (empty)
/// Splice     := kind:u8 (1 offer, 2 introduce, 3 request, 4 handoff) | peer (UTF-8 member name, the rest; empty for an offer only)
/// Sync       := body (>= 1 byte; the sync engine's format, SyncFrameCodec)
/// Keys       := body (>= 1 byte; key rotation's format, KeyCommandCodec)
/// Tree       := body (>= 1 byte; the shared-tree advert, SharedTreeAdvert)
/// </code>
/// Encoders throw <see cref="ArgumentException"/> for frames that are invalid or larger than the limit;
/// decoders throw nothing but <see cref="WireDecodeException"/> (layer <c>plumtree</c>) for bad input.
/// This file holds the format constants, the header and the size rules; encoding, whole-frame decoding
/// and stream reading live in the other <c>PlumtreeFrameCodec.*.cs</c> parts.
/// </summary>
internal static partial class PlumtreeFrameCodec
{
    /// <summary>Bytes before the body: version, type, body length.</summary>
    public const int HeaderSize = 6;

    /// <summary>The only format version this codec speaks.</summary>
    public const byte Version = 1;

    /// <summary>Largest hop count a frame can carry (u16).</summary>
    public const int MaxHop = ushort.MaxValue;

    /// <summary>Largest number of announcements in one IHave frame (u16 count).</summary>
    public const int MaxIHaveEntries = ushort.MaxValue;

    /// <summary>First frame type value reserved for anti-entropy sync frames (the first one, <see cref="FrameType.Sync"/>, is in use).</summary>
    public const byte FirstSyncType = 16;

    /// <summary>Last frame type value reserved for anti-entropy sync frames.</summary>
    public const byte LastSyncType = 31;

    /// <summary>The <see cref="WireDecodeException.Layer"/> of every error this codec throws.</summary>
    public const string Layer = "plumtree";

    /// <summary>Size of the fixed part of a Gossip body (id, hop) and of a Graft body.</summary>
    internal const int IdHopSize = MessageId.Size + 2;

    /// <summary>Size of the IHave count field.</summary>
    internal const int IHaveCountSize = 2;

    /// <summary>Bytes from the start of a Gossip frame to its payload.</summary>
    internal const int GossipPrefixSize = HeaderSize + IdHopSize;

    /// <summary>Size of a Neighbor body.</summary>
    internal const int NeighborBodySize = 1;

    /// <summary>The only Neighbor flag bit defined: high priority.</summary>
    internal const byte NeighborHighPriority = 0x01;

    /// <summary>
    /// Encoded size of <paramref name="frame"/> (header included). Throws <see cref="ArgumentException"/>
    /// (or <see cref="ArgumentOutOfRangeException"/> for a hop outside 0..65535) when the frame cannot be
    /// encoded at all, exactly as <c>Encode</c> would.
    /// </summary>
    public static int GetEncodedLength(in PlumtreeFrame frame)
    {
        long body;
        switch (frame.Type)
        {
            case FrameType.Gossip:
                RequireId(frame.Id, "A Gossip frame needs a message id.");
                RequireHop(frame.Hop);
                body = IdHopSize + (long)frame.Payload.Length;
                break;
            case FrameType.IHave:
                var entries = frame.Entries.Span;
                if (entries.Length is 0 or > MaxIHaveEntries)
                {
                    throw new ArgumentException($"An IHave frame carries 1 to {MaxIHaveEntries} entries, not {entries.Length}.", nameof(frame));
                }

                foreach (ref readonly var entry in entries)
                {
                    RequireId(entry.Id, "An IHave entry needs a message id.");
                    RequireHop(entry.Hop);
                }

                body = IHaveCountSize + ((long)entries.Length * IdHopSize);
                break;
            case FrameType.Graft:
                RequireHop(frame.Hop);
                body = IdHopSize;
                break;
            case FrameType.Neighbor:
                body = NeighborBodySize;
                break;
            case FrameType.Prune:
            case FrameType.Disconnect:
                body = 0;
                break;
            case FrameType.Splice:
                if (SpliceBodyError(frame.SpliceKind, frame.Payload.Length) is { } error)
                {
                    throw new ArgumentException($"A Splice frame is invalid: {error}.", nameof(frame));
                }

                body = 1 + (long)frame.Payload.Length;
                break;
            case FrameType.Sync:
            case FrameType.Keys:
            case FrameType.Tree:
                if (frame.Payload.IsEmpty)
                {
                    throw new ArgumentException($"A {frame.Type} frame needs a body of at least 1 byte.", nameof(frame));
                }

                body = frame.Payload.Length;
                break;
            default:
                throw new ArgumentException($"Frame type {(byte)frame.Type} is not a Plumtree frame type.", nameof(frame));
        }

        var total = HeaderSize + body;
        if (total > int.MaxValue)
        {
            throw new ArgumentException($"A frame of {total} bytes cannot be encoded.", nameof(frame));
        }

        return (int)total;
    }

    /// <summary>True for the frame types this version decodes.</summary>
    internal static bool IsKnownType(byte type) => type is (>= (byte)FrameType.Gossip and <= (byte)FrameType.Tree) or (byte)FrameType.Sync or (byte)FrameType.Keys;

    /// <summary>Why a Splice body with this kind and name length is invalid, or null when it is valid: kinds 1–4; a name for every kind but an offer.</summary>
    internal static string? SpliceBodyError(SpliceKind kind, int peerLength) => kind switch
    {
        SpliceKind.Offer => peerLength == 0 ? null : "an offer carries no member name",
        SpliceKind.Introduce or SpliceKind.Request or SpliceKind.Handoff => peerLength > 0 ? null : $"a {kind} names a member",
        _ => $"unknown kind {(byte)kind}",
    };

    /// <summary>True for the type values reserved for further anti-entropy sync frames (17–31; 16 is <see cref="FrameType.Sync"/>).</summary>
    internal static bool IsReservedSyncType(byte type) => type is > (byte)FrameType.Sync and <= LastSyncType;

    /// <summary>
    /// Validates a complete 6-byte header against the limit and returns the total frame length; throws
    /// <see cref="WireDecodeException"/> for a bad version, a frame over <paramref name="maxFrameSize"/> or an
    /// unknown type, in that order. Only the header is looked at, so a stream reader can refuse a hostile
    /// length before it waits for (or allocates) the body.
    /// </summary>
    internal static int ReadHeader(ReadOnlySpan<byte> header, int maxFrameSize, out FrameType type)
    {
        if (header[0] != Version)
        {
            ThrowBadVersion(header[0]);
        }

        var rawType = header[1];
        var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(header[2..]);
        var frameLength = HeaderSize + (long)bodyLength;
        if (frameLength > maxFrameSize)
        {
            ThrowTooLarge(rawType, bodyLength, maxFrameSize);
        }

        if (!IsKnownType(rawType))
        {
            ThrowUnknownType(rawType, bodyLength);
        }

        type = (FrameType)rawType;
        return (int)frameLength;
    }

    private static void RequireId(MessageId id, string message)
    {
        if (id.IsEmpty)
        {
            throw new ArgumentException(message, "frame");
        }
    }

    private static void RequireHop(int hop)
    {
        if ((uint)hop > MaxHop)
        {
            throw new ArgumentOutOfRangeException("frame", hop, $"Hop counts are encoded as u16: 0 to {MaxHop}.");
        }
    }

    private static void RequireMaxFrameSize(int maxFrameSize)
    {
        if (maxFrameSize < HeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFrameSize), maxFrameSize, $"The frame size limit must be at least the {HeaderSize}-byte header.");
        }
    }
}
