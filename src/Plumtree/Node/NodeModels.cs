using System.Net;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>One member of the cluster as this node knows it.</summary>
/// <param name="Name">Node name (unique in the cluster).</param>
/// <param name="Address">Advertised address and port.</param>
/// <param name="State">Membership state.</param>
/// <param name="Tags">Tags from the member's meta (serf encoding); <c>pt</c> marks Plumtree-capable members.</param>
/// <param name="Incarnation">SWIM incarnation number.</param>
/// <param name="IsPlumtreePeer">True when the member carries the <c>pt</c> tag and takes part in broadcast trees.</param>
public sealed record MemberInfo(string Name, IPEndPoint Address, MemberState State, IReadOnlyDictionary<string, string> Tags, uint Incarnation, bool IsPlumtreePeer);

/// <summary>A message delivered to this node's application (including the ones it broadcast itself).</summary>
/// <param name="Id">Message id (time-ordered).</param>
/// <param name="Payload">Payload bytes.</param>
/// <param name="Hops">Hops travelled: 0 when this node is the origin or the message was recovered by anti-entropy.</param>
/// <param name="From">The peer it arrived from, or null at the origin.</param>
/// <param name="ReceivedAt">Wall-clock delivery time.</param>
/// <param name="Recovered">True when anti-entropy obtained it (the tree did not bring it: a partition, a restart, a lost frame).</param>
public sealed record ReceivedMessage(MessageId Id, ReadOnlyMemory<byte> Payload, int Hops, string? From, DateTimeOffset ReceivedAt, bool Recovered = false);

/// <summary>The recovery guide's state export: peer sets, cache, grafts, and when it was taken.</summary>
/// <param name="Node">This node's name.</param>
/// <param name="EagerPeers">Eager peers, sorted.</param>
/// <param name="LazyPeers">Lazy peers, sorted.</param>
/// <param name="RingNeighbors">Hash-ring neighbours, sorted.</param>
/// <param name="CacheSize">Cached payloads.</param>
/// <param name="PendingGrafts">Missing messages waiting on a graft.</param>
/// <param name="Members">Members known, by state.</param>
/// <param name="Timestamp">When the export was taken.</param>
public sealed record StateExport(
    string Node,
    IReadOnlyList<string> EagerPeers,
    IReadOnlyList<string> LazyPeers,
    IReadOnlyList<string> RingNeighbors,
    int CacheSize,
    int PendingGrafts,
    IReadOnlyDictionary<MemberState, int> Members,
    DateTimeOffset Timestamp);

/// <summary>Overall health.</summary>
public enum HealthStatus
{
    /// <summary>Everything is as it should be.</summary>
    Healthy,

    /// <summary>Working, with a problem an operator should look at.</summary>
    Degraded,

    /// <summary>Not able to deliver broadcasts (isolated, or not started).</summary>
    Unhealthy,
}

/// <summary>One health check's result.</summary>
/// <param name="Status">Its status.</param>
/// <param name="Description">What it found, in words.</param>
/// <param name="Data">The figures it looked at.</param>
public sealed record HealthCheckResult(HealthStatus Status, string Description, IReadOnlyDictionary<string, object> Data);

/// <summary>Node health: the worst of its checks, with a message and per-check detail.</summary>
/// <param name="Status">Worst check status.</param>
/// <param name="Message">Summary in words.</param>
/// <param name="Checks">Each check by name (<c>peers</c>, <c>eager_peers</c>, <c>graft_failures</c>, <c>cache</c>, ...).</param>
public sealed record NodeHealth(HealthStatus Status, string Message, IReadOnlyDictionary<string, HealthCheckResult> Checks);
