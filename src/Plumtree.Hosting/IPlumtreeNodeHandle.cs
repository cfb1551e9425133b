using System.Net;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Sync;

namespace Plumtree.Hosting;

/// <summary>
/// The node operations the host and the agent use, as a seam: <see cref="PlumtreeNodeHandle"/> forwards to the
/// real <see cref="PlumtreeNode"/>; tests substitute a fake to drive the hosted service and the HTTP admin.
/// </summary>
public interface IPlumtreeNodeHandle
{
    /// <summary>The node's name.</summary>
    string Name { get; }

    /// <summary>The address other members reach the node at (after <see cref="StartAsync"/>).</summary>
    IPEndPoint AdvertisedEndPoint { get; }

    /// <summary>True while the node is a member of a cluster (joined, or started as a lone seed).</summary>
    bool IsJoined { get; }

    /// <summary>Largest payload the node accepts for broadcast.</summary>
    int MaxMessageSize { get; }

    /// <summary>The member table as last published by the node's loop.</summary>
    IReadOnlyList<MemberInfo> Members { get; }

    /// <summary>Current eager (tree) peers.</summary>
    IReadOnlyList<string> EagerPeers { get; }

    /// <summary>Current lazy (announcement) peers.</summary>
    IReadOnlyList<string> LazyPeers { get; }

    /// <summary>Current hash-ring neighbours.</summary>
    IReadOnlyList<string> RingNeighbors { get; }

    /// <summary>This node's failure zone, or null when none is set.</summary>
    string? Zone { get; }

    /// <summary>Current eager and lazy peers in another zone than this node's.</summary>
    IReadOnlyList<string> CrossZonePeers { get; }

    /// <summary>Messages whose payload is cached.</summary>
    int CacheSize { get; }

    /// <summary>Raised once for every message delivered to this node.</summary>
    event Action<ReceivedMessage>? MessageReceived;

    /// <summary>Binds the sockets and starts the node's loop.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Joins through <paramref name="seeds"/>; returns how many answered.</summary>
    Task<int> JoinAsync(IReadOnlyList<IPEndPoint> seeds, CancellationToken cancellationToken);

    /// <summary>Announces a graceful leave and waits up to <paramref name="timeout"/> for it to spread.</summary>
    Task LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Broadcasts <paramref name="payload"/> to every member; returns its id.</summary>
    ValueTask<MessageId> BroadcastAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>Restores the eager/lazy fanout targets (<c>rebalance_peers</c>).</summary>
    Task RebalancePeersAsync(CancellationToken cancellationToken);

    /// <summary>Empties the message cache (<c>clear_cache</c>).</summary>
    Task ClearCacheAsync(CancellationToken cancellationToken);

    /// <summary>Anti-entropy as of the node's last published state (<c>GET /debug/sync</c>).</summary>
    SyncSnapshot SyncStatus { get; }

    /// <summary>
    /// Starts an anti-entropy round now with <paramref name="peer"/> (or a random live peer); returns its peer, or null when
    /// none could start. Throws <see cref="InvalidOperationException"/> when a round with another peer is in progress.
    /// </summary>
    Task<string?> SyncNowAsync(string? peer, CancellationToken cancellationToken);

    /// <summary>Checks every row of the message store; corrupt rows are removed, counted and written again from memory.</summary>
    Task<MessageStoreVerification> VerifyStoreAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs a cluster-wide key command (<c>serf keys</c>: list, install, use, remove; <paramref name="key"/> is base64, null
    /// for list) and returns what every node answered. Throws <see cref="InvalidOperationException"/> when encryption is
    /// not enabled on the node, <see cref="ArgumentException"/> for a key that is not base64 of a 16, 24 or 32 byte key.
    /// </summary>
    Task<KeyringReport> RunKeyCommandAsync(KeyOperation operation, string? key, CancellationToken cancellationToken);

    /// <summary>The operator's state export.</summary>
    StateExport ExportState();

    /// <summary>The node's health as evaluated from its last published snapshot.</summary>
    NodeHealth GetHealth();
}
