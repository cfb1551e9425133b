namespace Plumtree.Broadcast;

/// <summary>Plumtree frame kinds. Values are wire constants: append only.</summary>
public enum FrameType : byte
{
    /// <summary>Eager push of a message: id, hop count, payload.</summary>
    Gossip = 1,

    /// <summary>Lazy announcement of one or more (id, hop) pairs.</summary>
    IHave = 2,

    /// <summary>Asks the receiver to make the link eager and, when the id is not empty, to send that message.</summary>
    Graft = 3,

    /// <summary>Asks the receiver to make the link lazy.</summary>
    Prune = 4,

    /// <summary>Asks the receiver to add the sender to its peer set (symmetric overlay maintenance).</summary>
    Neighbor = 5,

    /// <summary>Tells the receiver the sender has dropped the link (peer set full, or rebalanced away).</summary>
    Disconnect = 6,

    /// <summary>
    /// Overlay fill for the last free slots (<c>docs/broadcast.md</c>, "Splice"): a <see cref="SpliceKind"/> and, except
    /// for <see cref="SpliceKind.Offer"/>, a member name (UTF-8 in <see cref="PlumtreeFrame.Payload"/>). A peer that
    /// does not know this type skips the frame (counted as an <c>unknown_type</c> decode error); nothing else changes.
    /// </summary>
    Splice = 7,

    /// <summary>
    /// Shared-tree advert (<c>docs/broadcast.md</c>, "Shared tree"): the sender's distances to the candidate roots and a
    /// timestamp echo, in <see cref="PlumtreeFrame.Payload"/> (layout in <c>docs/wire-format.md</c>, "Tree frame bodies").
    /// Sent only with <see cref="BroadcastOptions.SharedTree"/>; a peer that does not know this type skips the frame
    /// (counted as an <c>unknown_type</c> decode error).
    /// </summary>
    Tree = 8,

    /// <summary>
    /// An anti-entropy sync frame: the body (kind, round, ...) belongs to the sync engine and is carried in
    /// <see cref="PlumtreeFrame.Payload"/>. The node routes it to the sync engine; the broadcast engine never uses it.
    /// </summary>
    Sync = 16,

    /// <summary>
    /// A key-rotation command or answer (<c>docs/security.md</c>, "Key rotation"): the body (kind, command id, ...)
    /// belongs to the node's key rotation and is carried in <see cref="PlumtreeFrame.Payload"/>. Accepted only on
    /// sealed (encrypted) streams; never delivered to the application, cached, stored or synced.
    /// </summary>
    Keys = 32,
}
