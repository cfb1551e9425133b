using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Plumtree.Wire;

namespace Plumtree.Node;

/// <summary>
/// A cluster node: SWIM membership (memberlist wire protocol) and Plumtree broadcast over real UDP/TCP
/// sockets, driven by one event loop. Create it from options, <see cref="StartAsync"/>, <see cref="JoinAsync"/>,
/// then broadcast and read deliveries. Thread-safe: every call posts to the node's loop; queries read
/// immutable snapshots.
/// </summary>
public sealed class PlumtreeNode : IAsyncDisposable
{
    /// <summary>Creates a node. Nothing touches the network until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names every bad key).</exception>
    public PlumtreeNode(PlumtreeNodeOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
    {
        throw new NotImplementedException();
    }

    /// <summary>This node's name.</summary>
    public string Name => throw new NotImplementedException();

    /// <summary>The address and port other members reach this node at (known after <see cref="StartAsync"/>).</summary>
    public IPEndPoint AdvertisedEndPoint => throw new NotImplementedException();

    /// <summary>True between a successful <see cref="JoinAsync"/> (or start as a lone seed) and <see cref="LeaveAsync"/>.</summary>
    public bool IsJoined => throw new NotImplementedException();

    /// <summary>Binds the sockets and starts the event loop.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Joins the cluster through <paramref name="seeds"/> (push/pull with each). Returns how many seeds were
    /// contacted; throws <see cref="PlumtreeJoinException"/> when none could be.
    /// </summary>
    public Task<int> JoinAsync(IEnumerable<IPEndPoint> seeds, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Leaves gracefully: announces the departure and waits up to <paramref name="timeout"/> for it to spread.
    /// The node keeps running and may <see cref="JoinAsync"/> again.
    /// </summary>
    public Task LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Broadcasts <paramref name="payload"/> to every member; returns its id. Delivered locally too.</summary>
    /// <exception cref="ArgumentException">The payload is larger than the configured maximum message size.</exception>
    public ValueTask<MessageId> BroadcastAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deliveries from now on, as an async stream (each reader gets every message; a slow reader loses the oldest, counted).</summary>
    public IAsyncEnumerable<ReceivedMessage> ReadMessagesAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Raised on the node's loop for every delivery; handlers must be quick and must not block.</summary>
    public event Action<ReceivedMessage>? MessageReceived
    {
        add => throw new NotImplementedException();
        remove => throw new NotImplementedException();
    }

    /// <summary>Every member this node knows, itself included.</summary>
    public IReadOnlyList<MemberInfo> Members => throw new NotImplementedException();

    /// <summary>Current eager peers.</summary>
    public IReadOnlyList<string> EagerPeers => throw new NotImplementedException();

    /// <summary>Current lazy peers.</summary>
    public IReadOnlyList<string> LazyPeers => throw new NotImplementedException();

    /// <summary>Current hash-ring neighbours.</summary>
    public IReadOnlyList<string> RingNeighbors => throw new NotImplementedException();

    /// <summary>Cached message payloads.</summary>
    public int CacheSize => throw new NotImplementedException();

    /// <summary>Restores the eager/lazy fanout targets (the recovery guide's <c>rebalance_peers</c>).</summary>
    public Task RebalancePeersAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Empties the message cache (the recovery guide's <c>clear_cache</c>); de-duplication memory is kept.</summary>
    public Task ClearCacheAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The recovery guide's state export.</summary>
    public StateExport ExportState() => throw new NotImplementedException();

    /// <summary>Health: Unhealthy with no peers (unless a lone seed), Degraded with no eager peers, frequent graft failures, or a nearly full cache.</summary>
    public NodeHealth GetHealth() => throw new NotImplementedException();

    /// <summary>Leaves (if still joined, with a short timeout), stops the loop and closes the sockets.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}

/// <summary>No seed could be contacted by <see cref="PlumtreeNode.JoinAsync"/>.</summary>
public sealed class PlumtreeJoinException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PlumtreeJoinException(string message, IReadOnlyList<Exception> errors)
        : base(message, errors.Count == 1 ? errors[0] : new AggregateException(errors))
    {
        Errors = errors;
    }

    /// <summary>Why each seed failed.</summary>
    public IReadOnlyList<Exception> Errors { get; }
}
