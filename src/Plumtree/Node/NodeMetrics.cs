using System.Diagnostics.Metrics;
using Plumtree.Broadcast;
using Plumtree.Diagnostics;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// The node's instruments (meter <see cref="MetricNames.MeterName"/>, every measurement tagged
/// <c>node=&lt;name&gt;</c>). Gauges read the snapshot the loop publishes, so they show the real state and
/// never drift; counters are observable counters over the engines' and transports' monotonic counters;
/// histograms are recorded on the loop with the explicit buckets of <see cref="MetricNames"/>.
/// </summary>
internal sealed class NodeMetrics : IDisposable
{
    private static readonly MemberState[] States = [MemberState.Alive, MemberState.Suspect, MemberState.Dead, MemberState.Left];

    /// <summary>The <c>kind</c>s of message store failure the node counts (<see cref="RecordStorageError"/>).</summary>
    private static readonly string[] MessageStoreErrorKinds = ["read", "write", "corrupt"];

    private readonly PlumtreeNode _node;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly KeyValuePair<string, object?> _nodeTag;
    private readonly Histogram<double> _hops;
    private readonly Histogram<double> _graftLatency;
    private readonly Histogram<double> _size;
    private readonly Counter<long> _storageErrors;
    private volatile bool _disposed;

    public NodeMetrics(PlumtreeNode node, IMeterFactory? factory)
    {
        _node = node;
        _nodeTag = new KeyValuePair<string, object?>(MetricNames.NodeTag, node.Name);
        if (factory is not null)
        {
            _meter = factory.Create(new MeterOptions(MetricNames.MeterName));
        }
        else
        {
            _meter = new Meter(MetricNames.MeterName);
            _ownsMeter = true;
        }

        Gauge(MetricNames.EagerPeers, "{peer}", "Current eager peers.", static s => s.Broadcast.EagerPeers.Count);
        Gauge(MetricNames.LazyPeers, "{peer}", "Current lazy peers.", static s => s.Broadcast.LazyPeers.Count);
        Gauge(MetricNames.TotalPeers, "{peer}", "Eager plus lazy peers.", static s => s.Broadcast.EagerPeers.Count + s.Broadcast.LazyPeers.Count);
        Gauge(MetricNames.CrossZonePeers, "{peer}", "Eager plus lazy peers in another zone.", static s => s.Broadcast.CrossZonePeers.Count);
        Gauge(MetricNames.CacheSize, "{message}", "Cached message payloads.", static s => s.Broadcast.CacheSize);
        Gauge(MetricNames.PendingGrafts, "{message}", "Missing messages waiting on a graft.", static s => s.Broadcast.PendingGrafts);
        Gauge(MetricNames.MembershipHealthScore, null, "Lifeguard local health score (0 = healthy).", static s => s.HealthScore);
        _meter.CreateObservableGauge(MetricNames.Members, ObserveMembers, "{member}", "Members by state.");

        var b = node.BroadcastCounters;
        Counter(MetricNames.MessagesBroadcast, "{message}", "Messages originated here.", () => Volatile.Read(ref b.Broadcast));
        Counter(MetricNames.MessagesDelivered, "{message}", "Messages delivered to the application (by the tree or recovered by anti-entropy, each once).", () => node.MessagesDelivered);
        Counter(MetricNames.MessagesDuplicate, "{message}", "Duplicate Gossip received.", () => Volatile.Read(ref b.Duplicates));
        Counter(MetricNames.GossipSent, "{frame}", "Gossip frames sent.", () => Volatile.Read(ref b.GossipSent));
        Counter(MetricNames.IHaveSent, "{announcement}", "IHave announcements sent.", () => Volatile.Read(ref b.IHaveSent));
        Counter(MetricNames.GraftSent, "{frame}", "Graft frames sent.", () => Volatile.Read(ref b.GraftSent));
        Counter(MetricNames.PruneSent, "{frame}", "Prune frames sent.", () => Volatile.Read(ref b.PruneSent));
        Counter(MetricNames.GraftFailed, "{message}", "Missing messages given up after every round of grafts failed.", () => Volatile.Read(ref b.GraftFailed));
        var s = node.SyncCounters;
        Counter(
            MetricNames.MessagesPartitioned,
            "{message}",
            "Messages cut off from this node: announced but unobtainable from any reachable peer, or recovered only by anti-entropy.",
            () => Volatile.Read(ref b.Partitioned) + s.MessagesRecovered);
        Counter(MetricNames.SyncRounds, "{round}", "Anti-entropy rounds started by this node.", () => s.RoundsStarted);
        Counter(MetricNames.SyncMessagesRecovered, "{message}", "Messages this node obtained by anti-entropy.", () => s.MessagesRecovered);
        _meter.CreateObservableCounter(MetricNames.SyncFailures, () => Labelled("reason", s.Failures), "{round}", "Failed anti-entropy rounds, by reason.");
        _meter.CreateObservableCounter(
            MetricNames.SyncBytes,
            () => Labelled("direction", [new("sent", s.BytesSent), new("received", s.BytesReceived)]),
            "By",
            "Anti-entropy frame bytes, by direction.");
        _meter.CreateObservableGauge(MetricNames.StoreMessages, () => _disposed ? [] : new[] { new Measurement<int>(node.SyncStatus.Messages, _nodeTag) }, "{message}", "Messages held for anti-entropy (written through to the message store).");
        _meter.CreateObservableGauge(MetricNames.StoreBytes, () => _disposed ? [] : new[] { new Measurement<long>(node.SyncStatus.Bytes, _nodeTag) }, "By", "Payload bytes held for anti-entropy.");
        _storageErrors = _meter.CreateCounter<long>(MetricNames.StorageErrors, unit: null, description: MetricNames.StorageErrorsDescription);
        foreach (var kind in MessageStoreErrorKinds)
        {
            // Every series exists from the start at 0, so the first error is an increase (an alert on increase()
            // never sees a series that is born at its first value).
            _storageErrors.Add(0, _nodeTag, new KeyValuePair<string, object?>("store", "messages"), new KeyValuePair<string, object?>("kind", kind));
        }

        Counter(MetricNames.MembershipProbes, "{probe}", "SWIM probes sent.", () => node.MembershipTotals.Probes);
        Counter(MetricNames.MembershipProbeFailures, "{probe}", "SWIM probes that got no ack.", () => node.MembershipTotals.ProbeFailures);
        Counter(MetricNames.MembershipSuspicions, "{suspicion}", "Suspicions raised by this node.", () => node.MembershipTotals.Suspicions);
        Counter(MetricNames.MembershipRefutes, "{refute}", "Accusations about this node it refuted.", () => node.MembershipTotals.Refutes);
        Counter(MetricNames.MembershipPushPulls, "{exchange}", "Push/pull exchanges.", () => node.MembershipTotals.PushPulls);

        _meter.CreateObservableCounter(MetricNames.Dropped, () => Labelled("reason", node.DroppedByReason()), "{item}", "Everything refused or lost, by reason.");
        _meter.CreateObservableCounter(MetricNames.ConnectionsRefused, () => Labelled("reason", node.ConnectionsRefusedByReason()), "{connection}", "Inbound connections refused or closed early, by reason.");
        _meter.CreateObservableCounter(MetricNames.StreamsClosed, () => Labelled("reason", node.StreamsClosedByReason()), "{connection}", "Outbound Plumtree streams closed with nothing to send, by reason.");
        _meter.CreateObservableCounter(MetricNames.DecodeErrors, () => Labelled("layer", node.DecodeErrorsByLayer()), "{error}", "Undecodable input, by layer.");

        _hops = _meter.CreateHistogram(MetricNames.DeliveryHops, "{hop}", "Hop count at delivery.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricNames.DeliveryHopBuckets });
        _graftLatency = _meter.CreateHistogram(MetricNames.GraftLatency, "s", "Time from the first announcement of a missing message to its arrival after a graft.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricNames.GraftLatencyBuckets });
        _size = _meter.CreateHistogram(MetricNames.MessageSize, "By", "Payload sizes of delivered messages.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricNames.MessageSizeBuckets });
    }

    /// <summary>A delivery: its hop count and payload size.</summary>
    public void RecordDelivery(int hops, int bytes)
    {
        _hops.Record(hops, _nodeTag);
        _size.Record(bytes, _nodeTag);
    }

    /// <summary>Counts <paramref name="count"/> failures of the message store's <paramref name="operation"/> (<c>read</c>, <c>write</c>, <c>corrupt</c>).</summary>
    public void RecordStorageError(string operation, long count)
    {
        if (!_disposed)
        {
            _storageErrors.Add(count, _nodeTag, new KeyValuePair<string, object?>("store", "messages"), new KeyValuePair<string, object?>("kind", operation));
        }
    }

    /// <summary>A missing message arrived after a graft (the engine's <see cref="Delivery.GraftLatency"/>).</summary>
    public void RecordGraftLatency(double seconds) => _graftLatency.Record(seconds, _nodeTag);

    /// <summary>Stops observing (a meter from a factory lives on; its callbacks then report nothing).</summary>
    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private void Gauge(string name, string? unit, string description, Func<NodeSnapshot, int> read) =>
        _meter.CreateObservableGauge(name, () => _disposed ? [] : new[] { new Measurement<int>(read(_node.Snapshot), _nodeTag) }, unit, description);

    private void Counter(string name, string unit, string description, Func<long> read) =>
        _meter.CreateObservableCounter(name, () => _disposed ? [] : new[] { new Measurement<long>(read(), _nodeTag) }, unit, description);

    private IEnumerable<Measurement<int>> ObserveMembers()
    {
        if (_disposed)
        {
            return [];
        }

        var counts = _node.Snapshot.MemberCounts;
        return States.Select(state => new Measurement<int>(
            counts.GetValueOrDefault(state),
            _nodeTag,
            new KeyValuePair<string, object?>("state", StateLabel(state)))).ToArray();
    }

    private IEnumerable<Measurement<long>> Labelled(string label, IEnumerable<KeyValuePair<string, long>> counts) =>
        _disposed
            ? []
            : counts.Select(c => new Measurement<long>(c.Value, _nodeTag, new KeyValuePair<string, object?>(label, c.Key))).ToArray();

    /// <summary>The <c>state</c> label: alive, suspect, dead, left.</summary>
    public static string StateLabel(MemberState state) => state switch
    {
        MemberState.Alive => "alive",
        MemberState.Suspect => "suspect",
        MemberState.Dead => "dead",
        _ => "left",
    };
}
