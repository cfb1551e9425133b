using System.Net;

namespace Plumtree.Membership;

/// <summary>An immutable snapshot of one member of the cluster as this node sees it.</summary>
public sealed record Member
{
    /// <summary>Unique node name.</summary>
    public required string Name { get; init; }

    /// <summary>The member's advertised IP address.</summary>
    public required IPAddress Address { get; init; }

    /// <summary>The member's memberlist port (UDP and TCP).</summary>
    public required int Port { get; init; }

    /// <summary>Node meta (≤ 512 bytes; serf tags for Plumtree nodes). Empty when the member has none.</summary>
    public ReadOnlyMemory<byte> Meta { get; init; }

    /// <summary>The member's incarnation number (raised by the member to refute suspicion, or to publish new meta).</summary>
    public uint Incarnation { get; init; }

    /// <summary>Alive, suspect, dead or left.</summary>
    public MemberState State { get; init; }

    /// <summary>Protocol and delegate versions the member advertises.</summary>
    public MemberVersions Versions { get; init; }

    /// <summary>When (on the engine's monotonic clock) <see cref="State"/> last changed.</summary>
    public TimeSpan StateChangedAt { get; init; }

    /// <summary>Address and port as an endpoint.</summary>
    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The member's meta as bytes (a copy).</summary>
    public byte[] MetaBytes() => Meta.ToArray();
}
