using System.Net;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>
/// Where a <see cref="MembershipEngine"/> puts its outputs. The engine calls these synchronously from inside
/// its input methods; implementations must not call back into the engine (queue the work instead).
/// The methods with bodies are the application hooks of memberlist's delegates; they default to nothing.
/// </summary>
internal interface IMembershipOutput
{
    /// <summary>
    /// Send one UDP packet to <paramref name="to"/>. <paramref name="parts"/> are encoded messages (type byte
    /// included, from <see cref="MessageCodec"/>): the first is the message proper, the rest piggybacked
    /// broadcasts, already sized to fit <c>UdpBufferSize</c>. One part is sent as is; several as a compound
    /// (<see cref="OutgoingPacket.Assemble"/>). Then the runtime compresses (if enabled and smaller), adds
    /// the CRC wrapper when <paramref name="crc"/> is set, encrypts and labels
    /// (<see cref="PacketCodec.EncodeDatagram"/>). Best effort: failures are not reported.
    /// </summary>
    void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc);

    /// <summary>
    /// Dial <paramref name="to"/> over TCP, send <paramref name="ping"/> (<c>[0]</c> + ping) and read the
    /// <c>ackResp</c>; then call <see cref="MembershipEngine.TcpPingCompleted"/> with the ping's sequence
    /// number: ok when an ack with that sequence number came back before <paramref name="deadline"/>
    /// (engine clock).
    /// </summary>
    void StartTcpPing(IPEndPoint to, Ping ping, TimeSpan deadline);

    /// <summary>
    /// Dial <paramref name="to"/> over TCP, send <paramref name="local"/>, read the remote's push/pull
    /// reply (within <c>TcpTimeout</c>), then call <see cref="MembershipEngine.PushPullCompleted"/> with
    /// <paramref name="requestId"/> exactly once, with the reply or an error.
    /// </summary>
    void StartPushPull(long requestId, IPEndPoint to, PushPull local);

    /// <summary>A member joined, changed meta, became suspect, recovered, died or left.</summary>
    void MemberChanged(MemberEvent change);

    /// <summary>A user message (type 8) arrived in a packet (memberlist's <c>NotifyMsg</c>).</summary>
    void DeliverUserMessage(ReadOnlyMemory<byte> payload);

    /// <summary>A <see cref="MembershipEngine.Join"/> finished: every seed answered or failed.</summary>
    void JoinCompleted(JoinResult result);

    /// <summary>
    /// A <see cref="MembershipEngine.Leave"/> finished: <paramref name="broadcastSent"/> is true when the
    /// leave message went out its full retransmit count (or nobody was left to tell), false on timeout.
    /// </summary>
    void LeaveCompleted(bool broadcastSent);

    /// <summary>Payload for acks to pings (memberlist's <c>PingDelegate.AckPayload</c>; serf: a coordinate).</summary>
    byte[]? AckPayload() => null;

    /// <summary>A probe of <paramref name="node"/> got an ack after <paramref name="rtt"/> (<c>NotifyPingComplete</c>).</summary>
    void PingCompleted(string node, TimeSpan rtt, byte[]? payload)
    {
    }

    /// <summary>User state to send in a push/pull (memberlist's <c>Delegate.LocalState</c>).</summary>
    byte[] LocalUserState(bool join) => [];

    /// <summary>User state received in a push/pull (memberlist's <c>Delegate.MergeRemoteState</c>); only non-empty state.</summary>
    void MergeRemoteUserState(ReadOnlyMemory<byte> state, bool join)
    {
    }
}
