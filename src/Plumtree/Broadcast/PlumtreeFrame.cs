namespace Plumtree.Broadcast;

/// <summary>
/// A decoded (or to-be-encoded) Plumtree frame. One flat value type for every kind so the hot path
/// (Gossip) allocates nothing beyond the payload; fields a kind does not use are default.
/// </summary>
public readonly struct PlumtreeFrame
{
    private PlumtreeFrame(FrameType type, MessageId id, int hop, ReadOnlyMemory<byte> payload, ReadOnlyMemory<IHaveEntry> entries, bool flag)
    {
        Type = type;
        Id = id;
        Hop = hop;
        Payload = payload;
        Entries = entries;
        Flag = flag;
    }

    /// <summary>Frame kind.</summary>
    public FrameType Type { get; }

    /// <summary>Message id (Gossip, Graft; empty Graft id = link-only graft).</summary>
    public MessageId Id { get; }

    /// <summary>
    /// Hop count. Gossip: hops travelled when it arrives (the origin sends 1, each relay adds 1).
    /// Graft: the hop count the requester saw in the announcement. Splice: the <see cref="SpliceKind"/>.
    /// </summary>
    public int Hop { get; }

    /// <summary>Gossip payload; the whole body of a Sync, Keys or Tree frame; a Splice frame's member name (UTF-8, empty for an offer).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>IHave announcements.</summary>
    public ReadOnlyMemory<IHaveEntry> Entries { get; }

    /// <summary>Neighbor: high priority (the sender has no peers at all). Unused by other kinds.</summary>
    public bool Flag { get; }

    /// <summary>An eager push.</summary>
    public static PlumtreeFrame Gossip(MessageId id, int hop, ReadOnlyMemory<byte> payload) => new(FrameType.Gossip, id, hop, payload, default, false);

    /// <summary>A batch of announcements.</summary>
    public static PlumtreeFrame IHave(ReadOnlyMemory<IHaveEntry> entries) => new(FrameType.IHave, default, 0, default, entries, false);

    /// <summary>A graft for <paramref name="id"/> (or a link-only graft when it is empty).</summary>
    public static PlumtreeFrame Graft(MessageId id, int hop) => new(FrameType.Graft, id, hop, default, default, false);

    /// <summary>A prune.</summary>
    public static PlumtreeFrame Prune() => new(FrameType.Prune, default, 0, default, default, false);

    /// <summary>A neighbour request; <paramref name="highPriority"/> when the sender has no peers.</summary>
    public static PlumtreeFrame Neighbor(bool highPriority) => new(FrameType.Neighbor, default, 0, default, default, highPriority);

    /// <summary>A disconnect notice.</summary>
    public static PlumtreeFrame Disconnect() => new(FrameType.Disconnect, default, 0, default, default, false);

    /// <summary>The kind of a Splice frame (0 for other frame types).</summary>
    public SpliceKind SpliceKind => Type == FrameType.Splice ? (SpliceKind)Hop : default;

    /// <summary>A splice frame: <paramref name="kind"/> and the UTF-8 name of the member it is about (empty for <see cref="SpliceKind.Offer"/>).</summary>
    public static PlumtreeFrame Splice(SpliceKind kind, ReadOnlyMemory<byte> peer) => new(FrameType.Splice, default, (int)kind, peer, default, false);

    /// <summary>A splice frame about <paramref name="peer"/> (null or empty for <see cref="SpliceKind.Offer"/>).</summary>
    public static PlumtreeFrame Splice(SpliceKind kind, string? peer) =>
        Splice(kind, string.IsNullOrEmpty(peer) ? ReadOnlyMemory<byte>.Empty : System.Text.Encoding.UTF8.GetBytes(peer));

    /// <summary>A shared-tree advert carrying <paramref name="body"/> (at least 1 byte; its layout is the broadcast engine's shared-tree rule).</summary>
    public static PlumtreeFrame Tree(ReadOnlyMemory<byte> body) => new(FrameType.Tree, default, 0, body, default, false);

    /// <summary>An anti-entropy sync frame carrying <paramref name="body"/> (at least 1 byte; its layout is the sync engine's).</summary>
    public static PlumtreeFrame Sync(ReadOnlyMemory<byte> body) => new(FrameType.Sync, default, 0, body, default, false);

    /// <summary>A key-rotation frame carrying <paramref name="body"/> (at least 1 byte; its layout is the key rotation's).</summary>
    public static PlumtreeFrame Keys(ReadOnlyMemory<byte> body) => new(FrameType.Keys, default, 0, body, default, false);

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        FrameType.Gossip => $"Gossip({Id}, hop {Hop}, {Payload.Length} B)",
        FrameType.IHave => $"IHave({Entries.Length})",
        FrameType.Graft => $"Graft({Id}, hop {Hop})",
        FrameType.Neighbor => $"Neighbor(high={Flag})",
        FrameType.Sync => $"Sync({Payload.Length} B)",
        FrameType.Keys => $"Keys({Payload.Length} B)",
        FrameType.Tree => $"Tree({Payload.Length} B)",
        FrameType.Splice => $"Splice({SpliceKind}, {System.Text.Encoding.UTF8.GetString(Payload.Span)})",
        _ => Type.ToString(),
    };
}
