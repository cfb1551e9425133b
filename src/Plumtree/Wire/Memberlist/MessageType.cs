namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The memberlist message type byte: the first byte of every message inside any wrappers. Values are
/// fixed by memberlist's declaration order ("only append").
/// </summary>
internal enum MessageType : byte
{
    /// <summary>Direct probe (UDP), or the TCP fallback ping.</summary>
    Ping = 0,

    /// <summary>Asks a helper to probe a target on the sender's behalf (UDP).</summary>
    IndirectPing = 1,

    /// <summary>Answer to a ping (UDP; TCP as the reply to a TCP ping).</summary>
    Ack = 2,

    /// <summary>Gossip: a node is suspected of having failed.</summary>
    Suspect = 3,

    /// <summary>Gossip: a node is alive (join, refutation, meta update).</summary>
    Alive = 4,

    /// <summary>Gossip: a node is dead, or has left when <c>From == Node</c>.</summary>
    Dead = 5,

    /// <summary>TCP state exchange: header, node states, user state.</summary>
    PushPull = 6,

    /// <summary>UDP: several messages in one datagram.</summary>
    Compound = 7,

    /// <summary>Application payload (UDP: raw bytes follow; TCP: a length header first).</summary>
    User = 8,

    /// <summary>LZW-compressed message.</summary>
    Compress = 9,

    /// <summary>TCP only: length-prefixed AES-GCM blob.</summary>
    Encrypt = 10,

    /// <summary>An indirect-ping helper's "the target did not answer".</summary>
    Nack = 11,

    /// <summary>UDP only: a CRC-32 (IEEE, big-endian) of the rest, then the message.</summary>
    HasCrc = 12,

    /// <summary>TCP reply: the receiver failed to read the stream.</summary>
    Err = 13,

    /// <summary>Outermost cluster label header (memberlist v0.3.0+): length byte, then the label.</summary>
    HasLabel = 244,
}
