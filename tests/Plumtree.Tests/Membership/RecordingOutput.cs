using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

/// <summary>One packet the engine asked to send, with its parts decoded.</summary>
internal sealed record SentPacket(IPEndPoint To, IReadOnlyList<MemberlistMessage> Messages, bool Crc, TimeSpan At)
{
    public MemberlistMessage First => Messages[0];
}

/// <summary>An <see cref="IMembershipOutput"/> that records everything, for assertions.</summary>
internal sealed class RecordingOutput : IMembershipOutput
{
    public List<SentPacket> Packets { get; } = [];

    public List<(IPEndPoint To, Ping Ping, TimeSpan Deadline)> TcpPings { get; } = [];

    public List<(long Id, IPEndPoint To, PushPull Local)> PushPulls { get; } = [];

    public List<MemberEvent> Events { get; } = [];

    public List<byte[]> UserMessages { get; } = [];

    public List<JoinResult> Joins { get; } = [];

    public List<bool> Leaves { get; } = [];

    public List<(byte[] State, bool Join)> MergedUserStates { get; } = [];

    public byte[] UserState { get; set; } = [];

    public TimeSpan Now { get; set; }

    public void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc)
    {
        var messages = new List<MemberlistMessage>();
        foreach (var part in parts)
        {
            messages.AddRange(PacketCodec.Decode(part.ToArray()).Messages);
        }

        Packets.Add(new SentPacket(to, messages, crc, Now));
    }

    public void StartTcpPing(IPEndPoint to, Ping ping, TimeSpan deadline) => TcpPings.Add((to, ping, deadline));

    public void StartPushPull(long requestId, IPEndPoint to, PushPull local) => PushPulls.Add((requestId, to, local));

    public void MemberChanged(MemberEvent change) => Events.Add(change);

    public void DeliverUserMessage(ReadOnlyMemory<byte> payload) => UserMessages.Add(payload.ToArray());

    public void JoinCompleted(JoinResult result) => Joins.Add(result);

    public void LeaveCompleted(bool broadcastSent) => Leaves.Add(broadcastSent);

    public byte[] LocalUserState(bool join) => UserState;

    public void MergeRemoteUserState(ReadOnlyMemory<byte> state, bool join) => MergedUserStates.Add((state.ToArray(), join));

    /// <summary>Every message sent (all parts of all packets) with its destination.</summary>
    public IEnumerable<(IPEndPoint To, MemberlistMessage Message)> AllMessages() =>
        Packets.SelectMany(p => p.Messages.Select(m => (p.To, m)));

    public void Clear()
    {
        Packets.Clear();
        TcpPings.Clear();
        PushPulls.Clear();
        Events.Clear();
    }
}
