using System.Net;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>The engine's mutable record of one member (memberlist's <c>nodeState</c>).</summary>
internal sealed class NodeState
{
    public NodeState(string name, byte[] addr, IPAddress address, ushort port)
    {
        Name = name;
        Addr = addr;
        Address = address;
        Port = port;
        EndPoint = new IPEndPoint(address, port);
    }

    public string Name { get; }

    /// <summary>The raw address bytes as last received (forwarded unchanged so Go peers see the same form).</summary>
    public byte[] Addr { get; private set; }

    public IPAddress Address { get; private set; }

    public ushort Port { get; private set; }

    public IPEndPoint EndPoint { get; private set; }

    public byte[]? Meta { get; set; }

    public uint Incarnation { get; set; }

    public MemberState State { get; private set; } = MemberState.Dead;

    public TimeSpan StateChange { get; private set; }

    /// <summary>Bumped on every state change: a suspicion only fires for the state it was started in.</summary>
    public long StateGeneration { get; private set; }

    /// <summary>Versions advertised (all zero when the member sent none).</summary>
    public ProtocolVersions Vsn { get; set; }

    /// <summary>The running suspicion timer while <see cref="State"/> is suspect.</summary>
    public Suspicion? Suspicion { get; set; }

    public bool IsDeadOrLeft => State is MemberState.Dead or MemberState.Left;

    public void SetState(MemberState state, TimeSpan now)
    {
        State = state;
        StateChange = now;
        StateGeneration++;
    }

    public void SetAddress(byte[] addr, IPAddress address, ushort port)
    {
        Addr = addr;
        Address = address;
        Port = port;
        EndPoint = new IPEndPoint(address, port);
    }

    public bool SameAddress(byte[]? addr, ushort port) =>
        port == Port && MemberlistAddress.TryFromWire(addr, out var other) && other.Equals(Address);

    public Member ToMember() => new()
    {
        Name = Name,
        Address = Address,
        Port = Port,
        Meta = Meta ?? [],
        Incarnation = Incarnation,
        State = State,
        Versions = MemberVersions.From(Vsn),
        StateChangedAt = StateChange,
    };

    public PushNodeState ToPushNodeState() =>
        new(Name, Addr, Port, Meta, Incarnation, (NodeStateKind)State, Vsn);
}
