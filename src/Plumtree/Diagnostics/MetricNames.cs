namespace Plumtree.Diagnostics;

/// <summary>
/// Every instrument name the project publishes (meter <see cref="MeterName"/>). These names are a contract
/// with operators' dashboards and alert rules (ARCHITECTURE §7): never rename one.
/// </summary>
public static class MetricNames
{
    /// <summary>The meter every Plumtree instrument belongs to.</summary>
    public const string MeterName = "Plumtree";

    /// <summary>Tag carrying the node name, so several nodes in one process stay apart.</summary>
    public const string NodeTag = "node";

    /// <summary>Gauge: current eager peers.</summary>
    public const string EagerPeers = "plumtree_eager_peers";

    /// <summary>Gauge: current lazy peers.</summary>
    public const string LazyPeers = "plumtree_lazy_peers";

    /// <summary>Gauge: eager + lazy peers.</summary>
    public const string TotalPeers = "plumtree_total_peers";

    /// <summary>Gauge: eager + lazy peers in another zone than this node's (the <c>zone</c> tag).</summary>
    public const string CrossZonePeers = "plumtree_cross_zone_peers";

    /// <summary>Gauge: members by <c>state</c> (alive, suspect, dead, left).</summary>
    public const string Members = "plumtree_members";

    /// <summary>Gauge: cached message payloads.</summary>
    public const string CacheSize = "plumtree_cache_size";

    /// <summary>Gauge: missing messages waiting on a graft.</summary>
    public const string PendingGrafts = "plumtree_pending_grafts";

    /// <summary>Counter: messages originated here.</summary>
    public const string MessagesBroadcast = "plumtree_messages_broadcast_total";

    /// <summary>Counter: messages delivered to the application.</summary>
    public const string MessagesDelivered = "plumtree_messages_delivered_total";

    /// <summary>Counter: duplicate Gossip received.</summary>
    public const string MessagesDuplicate = "plumtree_messages_duplicate_total";

    /// <summary>Counter: Gossip frames sent.</summary>
    public const string GossipSent = "plumtree_gossip_sent_total";

    /// <summary>Counter: IHave announcements sent.</summary>
    public const string IHaveSent = "plumtree_ihave_sent_total";

    /// <summary>Counter: Graft frames sent.</summary>
    public const string GraftSent = "plumtree_graft_sent_total";

    /// <summary>Counter: Prune frames sent.</summary>
    public const string PruneSent = "plumtree_prune_sent_total";

    /// <summary>Counter: grafts that ran out of announcers or retries.</summary>
    public const string GraftFailed = "plumtree_graft_failed_total";

    /// <summary>Counter: messages cut off from this node by a partition.</summary>
    public const string MessagesPartitioned = "plumtree_messages_partitioned_total";

    /// <summary>
    /// Counter: failures of a store (label <c>store</c>: <c>peers</c> or <c>messages</c>; <c>operation</c>: <c>open</c>,
    /// <c>read</c>, <c>write</c>, <c>corrupt</c>); the node goes on without it.
    /// </summary>
    public const string StorageErrors = "plumtree_storage_errors_total";

    /// <summary>The description every creator of <see cref="StorageErrors"/> uses (one instrument per meter).</summary>
    public const string StorageErrorsDescription = "Storage failures by store and kind (the node goes on without the store).";

    /// <summary>Gauge: messages held by anti-entropy (and written through to the message store).</summary>
    public const string StoreMessages = "plumtree_store_messages";

    /// <summary>Gauge: payload bytes held by anti-entropy.</summary>
    public const string StoreBytes = "plumtree_store_bytes";

    /// <summary>Counter: anti-entropy bytes, by <c>direction</c> (<c>sent</c>, <c>received</c>).</summary>
    public const string SyncBytes = "plumtree_sync_bytes_total";

    /// <summary>Counter: anti-entropy rounds.</summary>
    public const string SyncRounds = "plumtree_sync_rounds_total";

    /// <summary>Counter: messages recovered by anti-entropy.</summary>
    public const string SyncMessagesRecovered = "plumtree_sync_messages_recovered_total";

    /// <summary>Counter: failed anti-entropy rounds, by <c>reason</c>.</summary>
    public const string SyncFailures = "plumtree_sync_failures_total";

    /// <summary>Counter: everything refused or lost, by <c>reason</c>.</summary>
    public const string Dropped = "plumtree_dropped_total";

    /// <summary>
    /// Counter: inbound connections refused or closed early, by <c>reason</c> (<c>global_limit</c>, <c>per_source_limit</c>,
    /// <c>evicted</c>, <c>hello_timeout</c>, <c>read_timeout</c>, <c>idle</c>, <c>unknown_sender</c>, <c>bad_hello</c>, ...).
    /// </summary>
    public const string ConnectionsRefused = "plumtree_connections_refused_total";

    /// <summary>
    /// Counter: outbound Plumtree streams this node closed with nothing to send, by <c>reason</c>: <c>idle</c> (to an
    /// overlay peer, after half the idle timeout), <c>transient_idle</c> (to any other member, after the transient idle timeout).
    /// </summary>
    public const string StreamsClosed = "plumtree_streams_closed_total";

    /// <summary>Counter: undecodable input, by <c>layer</c>.</summary>
    public const string DecodeErrors = "plumtree_decode_errors_total";

    /// <summary>Histogram: hop count at delivery.</summary>
    public const string DeliveryHops = "plumtree_delivery_hops";

    /// <summary>Histogram: time from the first announcement of a missing message to its arrival by graft.</summary>
    public const string GraftLatency = "plumtree_graft_latency_seconds";

    /// <summary>Histogram: payload sizes.</summary>
    public const string MessageSize = "plumtree_message_size_bytes";

    /// <summary>Counter: SWIM probes sent.</summary>
    public const string MembershipProbes = "plumtree_membership_probes_total";

    /// <summary>Counter: SWIM probes that got no ack.</summary>
    public const string MembershipProbeFailures = "plumtree_membership_probe_failures_total";

    /// <summary>Counter: suspicions raised by this node.</summary>
    public const string MembershipSuspicions = "plumtree_membership_suspicions_total";

    /// <summary>Counter: accusations about this node it refuted.</summary>
    public const string MembershipRefutes = "plumtree_membership_refutes_total";

    /// <summary>Gauge: Lifeguard local health score (0 = healthy).</summary>
    public const string MembershipHealthScore = "plumtree_membership_health_score";

    /// <summary>Counter: push/pull exchanges.</summary>
    public const string MembershipPushPulls = "plumtree_membership_pushpull_total";

    /// <summary>Explicit buckets for <see cref="DeliveryHops"/>.</summary>
    public static IReadOnlyList<double> DeliveryHopBuckets { get; } = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 30, 50];

    /// <summary>Explicit buckets for <see cref="GraftLatency"/> (seconds).</summary>
    public static IReadOnlyList<double> GraftLatencyBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Explicit buckets for <see cref="MessageSize"/> (bytes).</summary>
    public static IReadOnlyList<double> MessageSizeBuckets { get; } = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
}
