namespace Plumtree.Wire.Memberlist;

/// <summary>Which memberlist channel a message travels on; user messages are framed differently on each.</summary>
internal enum MemberlistChannel
{
    /// <summary>UDP datagram: a user message is <c>[8][raw bytes]</c>.</summary>
    Packet,

    /// <summary>TCP stream: a user message is <c>[8]</c>, a <c>userMsgHeader</c>, then the raw bytes.</summary>
    Stream,
}
