using System.Net;
using Plumtree.Node;
using Plumtree.Wire;

namespace Plumtree.Hosting;

/// <summary>
/// The node operations the host and the agent use, as a seam: <see cref="PlumtreeNodeHandle"/> forwards to the
/// real <see cref="PlumtreeNode"/>; tests substitute a fake to drive the hosted service and the HTTP admin.
/// </summary>
public interface IPlumtreeNodeHandle
{
    string Name { get; }

    IPEndPoint AdvertisedEndPoint { get; }

    bool IsJoined { get; }

    /// <summary>Largest payload the node accepts for broadcast.</summary>
    int MaxMessageSize { get; }

    IReadOnlyList<MemberInfo> Members { get; }

    IReadOnlyList<string> EagerPeers { get; }

    IReadOnlyList<string> LazyPeers { get; }

    IReadOnlyList<string> RingNeighbors { get; }

    int CacheSize { get; }

    event Action<ReceivedMessage>? MessageReceived;

    Task StartAsync(CancellationToken cancellationToken);

    Task<int> JoinAsync(IReadOnlyList<IPEndPoint> seeds, CancellationToken cancellationToken);

    Task LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken);

    ValueTask<MessageId> BroadcastAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    Task RebalancePeersAsync(CancellationToken cancellationToken);

    Task ClearCacheAsync(CancellationToken cancellationToken);

    StateExport ExportState();

    NodeHealth GetHealth();
}
