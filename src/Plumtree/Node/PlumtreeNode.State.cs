using Plumtree.Membership;

namespace Plumtree.Node;

// Published state: the snapshot readers use, the queries and health on it, counters, housekeeping, and delivery subscribers.
public sealed partial class PlumtreeNode
{
    private readonly HashSet<string> _loggedDropReasons = new(StringComparer.Ordinal);
    private volatile NodeSnapshot _snapshot;

    /// <summary>Raised on the node's loop for every delivery; handlers must be quick and must not block. A handler that throws (a poison message) is logged and counted in <c>plumtree_dropped_total{reason="handler_failed"}</c>; the other handlers still get the message, and delivery goes on.</summary>
    public event Action<ReceivedMessage>? MessageReceived
    {
        add => _subscribers.OnMessage(value, add: true);
        remove => _subscribers.OnMessage(value, add: false);
    }

    /// <summary>
    /// Raised on the node's loop for every change this node sees in another member (join, update, suspect, alive again,
    /// dead, left: memberlist's event delegate, as serf's member events), with the member's state after the change.
    /// Handlers must be quick and must not block (an exception is logged and counted as <c>handler_failed</c>; the other handlers still run).
    /// </summary>
    public event Action<MemberEvent>? MemberChanged
    {
        add => _subscribers.OnMemberChanged(value, add: true);
        remove => _subscribers.OnMemberChanged(value, add: false);
    }

    /// <summary>Every member this node knows, itself included.</summary>
    public IReadOnlyList<MemberInfo> Members => _snapshot.Members;

    /// <summary>Current eager peers, sorted.</summary>
    public IReadOnlyList<string> EagerPeers => _snapshot.Broadcast.EagerPeers;

    /// <summary>Current lazy peers, sorted.</summary>
    public IReadOnlyList<string> LazyPeers => _snapshot.Broadcast.LazyPeers;

    /// <summary>Current hash-ring neighbours, sorted.</summary>
    public IReadOnlyList<string> RingNeighbors => _snapshot.Broadcast.RingNeighbors;

    /// <summary>This node's failure zone (<see cref="PlumtreeNodeOptions.Zone"/>, published as the <c>zone</c> tag), or null when none is set.</summary>
    public string? Zone => string.IsNullOrEmpty(_options.Zone) ? null : _options.Zone;

    /// <summary>Eager and lazy peers in another zone than this node's, sorted (empty when no zones are set).</summary>
    public IReadOnlyList<string> CrossZonePeers => _snapshot.Broadcast.CrossZonePeers;

    /// <summary>Cached message payloads.</summary>
    public int CacheSize => _snapshot.Broadcast.CacheSize;

    /// <summary>The latest published snapshot (for metrics and tests).</summary>
    internal NodeSnapshot Snapshot => _snapshot;

    /// <summary>Membership counters summed over every engine the node ran.</summary>
    internal MembershipTotals MembershipTotals => _counters.Membership;

    /// <summary>The recovery guide's state export: peer sets, ring neighbours, cache, pending grafts, members by state, and when it was taken.</summary>
    public StateExport ExportState()
    {
        var snapshot = _snapshot;
        var broadcast = snapshot.Broadcast;
        return new StateExport(
            Name,
            broadcast.EagerPeers,
            broadcast.LazyPeers,
            broadcast.RingNeighbors,
            broadcast.CacheSize,
            broadcast.PendingGrafts,
            snapshot.MemberCounts,
            _time.GetUtcNow());
    }

    /// <summary>
    /// Health, the worst of five checks (documented in <c>docs/configuration.md</c>, section Node):
    /// <c>peers</c> — no Plumtree peers is Unhealthy, unless the node is a lone seed (started, never joined
    /// anyone, no other member known); <c>eager_peers</c> — peers but none eager is Degraded;
    /// <c>streams</c> — at least half of the peers are peers whose outbound stream keeps failing
    /// (<see cref="StreamOptions.HealthFailureThreshold"/> attempts in a row within <see cref="PlumtreeNodeOptions.HealthWindow"/>) is Degraded;
    /// <c>graft_failures</c> — more than <see cref="PlumtreeNodeOptions.HealthGraftFailureThreshold"/> within
    /// <see cref="PlumtreeNodeOptions.HealthWindow"/> is Degraded; <c>cache</c> — at least
    /// <see cref="PlumtreeNodeOptions.HealthCacheNearCapacityRatio"/> of the cache bound is Degraded. A node
    /// that is not running is Unhealthy.
    /// </summary>
    public NodeHealth GetHealth() =>
        HealthEvaluator.Evaluate(
            _snapshot,
            State == Lifecycle.Running,
            _options,
            _broadcastOptions.CacheMaxEntries,
            _streams?.FailingPeers(_options.Streams.HealthFailureThreshold, _options.HealthWindow));

    /// <summary>
    /// Deliveries from the moment enumeration starts, as an async stream. Each reader gets every message in
    /// its own buffer of <see cref="PlumtreeNodeOptions.SubscriberBufferCapacity"/>; a slow reader loses the
    /// oldest (counted in <c>plumtree_dropped_total{reason="subscriber_overflow"}</c>). The stream ends when
    /// the node stops or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public IAsyncEnumerable<ReceivedMessage> ReadMessagesAsync(CancellationToken cancellationToken = default) =>
        _subscribers.ReadAsync(_options.SubscriberBufferCapacity, cancellationToken);

    /// <summary>
    /// Everything refused or lost, by reason: transport drops (queue full, rate limited, too large, fault
    /// injected, peer left, ...), the node's own (<c>subscriber_overflow</c>, <c>node_queue_full</c>,
    /// <c>unknown_peer</c>) and the broadcast engine's refusals (<c>oversized</c>, <c>malformed</c>,
    /// <c>unknown_sender</c>, <c>graft_unserved</c>).
    /// </summary>
    internal Dictionary<string, long> DroppedByReason() => _counters.DroppedByReason(_broadcast.Counters, _transport?.Counters, _streams?.Counters);

    /// <summary>Outbound Plumtree streams closed with nothing to send, by reason (<c>idle</c>, <c>transient_idle</c>; both published from 0).</summary>
    internal Dictionary<string, long> StreamsClosedByReason()
    {
        var closed = new Dictionary<string, long>(StringComparer.Ordinal) { ["idle"] = 0, ["transient_idle"] = 0 };
        if (_streams is { } streams)
        {
            foreach (var (reason, count) in streams.Counters.OutboundClosed.Snapshot())
            {
                closed[reason] = count;
            }
        }

        return closed;
    }

    /// <summary>Inbound connections refused or closed early, by reason, over both transports (<c>global_limit</c>, <c>per_source_limit</c>, <c>hello_timeout</c>, ...).</summary>
    internal Dictionary<string, long> ConnectionsRefusedByReason() => NodeCounters.ConnectionsRefusedByReason(_transport?.Counters, _streams?.Counters);

    /// <summary>Undecodable input by layer (<c>memberlist</c>, <c>crypto</c>, <c>plumtree</c>, <c>msgpack</c>, ...).</summary>
    internal Dictionary<string, long> DecodeErrorsByLayer() => _counters.DecodeErrorsByLayer(_transport?.Counters, _streams?.Counters);

    private void PublishDelivery(ReceivedMessage message) => _subscribers.PublishDelivery(message);

    /// <summary>Builds and publishes the snapshot (see <see cref="SnapshotBuilder"/> for what is reused).</summary>
    /// <summary>
    /// Whether <paramref name="member"/> is an eager or lazy peer as of the last published snapshot: the stream transport
    /// keeps idle streams to peers open longer than to anyone else (<see cref="StreamOptions.TransientIdleTimeout"/>). Thread-safe.
    /// </summary>
    private bool IsOverlayPeer(string member)
    {
        var broadcast = _snapshot.Broadcast;
        return Contains(broadcast.EagerPeers, member) || Contains(broadcast.LazyPeers, member);

        static bool Contains(IReadOnlyList<string> peers, string member)
        {
            for (var i = 0; i < peers.Count; i++)
            {
                if (string.Equals(peers[i], member, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private void PublishSnapshot(TimeSpan now) =>
        _snapshot = _snapshots.Build(_broadcast, _membership, _everJoined, _leaving, now);

    private void Housekeeping(TimeSpan now)
    {
        ReconnectFailed(now);
        SyncHousekeeping(UnixNow);
        foreach (var (reason, count) in DroppedByReason())
        {
            if (count > 0 && _loggedDropReasons.Add(reason))
            {
                NodeLog.FirstDrop(_logger, Name, reason);
            }
        }
    }
}
