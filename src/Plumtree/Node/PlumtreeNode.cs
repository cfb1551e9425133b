using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Storage;
using Plumtree.Sync;
using Plumtree.Transport;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

/// <summary>
/// A cluster node: SWIM membership (memberlist wire protocol) and Plumtree broadcast over real UDP/TCP
/// sockets, driven by one event loop. Create it from options, <see cref="StartAsync"/>, <see cref="JoinAsync"/>,
/// then broadcast and read deliveries. Thread-safe: every call posts to the node's loop; queries read
/// immutable snapshots.
/// </summary>
/// <remarks>
/// The node owns one <c>MembershipEngine</c>, one <see cref="BroadcastEngine"/> and one <see cref="SyncEngine"/> (all sans-IO) and calls
/// them only from its loop: decoded UDP packets, push/pull requests, Plumtree frames, timer wake-ups and API
/// commands are all inputs of that loop. After every batch of inputs the loop publishes a snapshot (members,
/// peer sets, cache, health inputs) that the queries, <see cref="GetHealth"/> and the metrics read.
/// </remarks>
public sealed partial class PlumtreeNode : IAsyncDisposable
{
    private readonly PlumtreeNodeOptions _options;
    private readonly BroadcastOptions _broadcastOptions;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _seed;
    private Keyring? _keyring;
    private readonly BroadcastEngine _broadcast;
    private readonly BroadcastSink _broadcastSink;
    private readonly MembershipEffects _effects;
    private readonly MessageIdGenerator _ids;
    private readonly Random _membershipRandom;
    private readonly NodeCounters _counters;
    private readonly KeyedCounter<string> _dropped;
    private readonly SerfCompatibility _serf;
    private readonly NodeSubscribers _subscribers;
    private readonly SnapshotBuilder _snapshots;
    private readonly JoinCoordinator _joins = new();
    private readonly Reconnector _reconnector;
    private readonly NodeMetrics _metrics;
    private readonly IMessageStore _store;
    private readonly SyncEngine _sync;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskTracker _background = new();
    private readonly Lock _lifecycleLock = new();
    private MemberlistTransport? _transport;
    private MemberlistIo? _memberlistIo;
    private PlumtreeStreamTransport? _streams;
    private int _lifecycle; // see Lifecycle
    private volatile bool _joined;

    /// <summary>Creates a node. Nothing touches the network until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Settings (validated here).</param>
    /// <param name="loggerFactory">Where logs go; none = no logging.</param>
    /// <param name="meterFactory">Creates the <c>Plumtree</c> meter; none = a private meter owned by the node.</param>
    /// <param name="timeProvider">Clock and timers; none = the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names every bad key).</exception>
    public PlumtreeNode(PlumtreeNodeOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Plumtree node options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _broadcastOptions = options.EffectiveBroadcast;
        _logger = loggerFactory?.CreateLogger<PlumtreeNode>() ?? NullLogger<PlumtreeNode>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _seed = options.RandomSeed ?? unchecked((int)PeerView.RingHash(options.NodeName));
        _keyring = LoadKeyring(options);
        _membershipRandom = new Random(_seed);
        _reconnector = new Reconnector(options.ReconnectInterval, options.ReconnectTimeout, new Random(unchecked(_seed ^ 0x3C6E_F372)));
        _counters = new NodeCounters();
        _dropped = _counters.Dropped;
        _broadcastSink = new BroadcastSink(_dropped, OnDeliver, ValidateTreeMessage);
        _broadcast = new BroadcastEngine(options.NodeName, _broadcastOptions, _broadcastSink, new Random(unchecked(_seed ^ 0x5BD1_E995)));
        _serf = new SerfCompatibility(options.Compatibility == ClusterCompatibility.Serf);
        _subscribers = new NodeSubscribers(options.NodeName, _logger, _dropped, () => State is Lifecycle.Stopping or Lifecycle.Stopped);
        var memberTags = new MemberTagCache();
        _effects = new MembershipEffects(options.NodeName, _broadcast, _broadcastSink, _reconnector, _subscribers, _logger, memberTags);
        _snapshots = new SnapshotBuilder(options.NodeName, options.HealthWindow, memberTags);
        // Ids must not repeat across restarts of a node with the same name (a clock stepped back would mint ids the
        // cluster already holds, and they would be dropped as duplicates): without an explicit seed their random part
        // comes from the OS's entropy, not from the name. Taken through Guid.NewGuid (the runtime's own getrandom/urandom
        // call; its first 4 bytes are random) rather than RandomNumberGenerator, which on Linux loads OpenSSL (libssl
        // and libcrypto: ~4 MB resident and ~15 ms at start) into a node that may use no cryptography at all.
        _ids = new MessageIdGenerator(_time, new Random(options.RandomSeed is { } fixedSeed
            ? unchecked(fixedSeed ^ 0x27D4_EB2F)
            : EntropySeed()));
        _inbox = new LoopInbox(InputQueueCapacity, _dropped);
        _snapshot = NodeSnapshot.Initial(options.NodeName);
        _store = options.MessageStore ?? new InMemoryMessageStore();
        _processStartUnixMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _reinjectAfterUnixMilliseconds = _processStartUnixMilliseconds;
        _sync = new SyncEngine(options.NodeName, options.EffectiveSync, new SyncSink(_broadcastSink, OnRecovered, ValidateSyncedMessage), new Random(unchecked(_seed ^ 0x2545_F491)), _processStartUnixMilliseconds);
        _broadcastSink.Store = _sync;
        _syncSnapshot = _sync.Snapshot(_time.GetUtcNow().ToUnixTimeMilliseconds());
        _metrics = new NodeMetrics(this, meterFactory);
    }

    private enum Lifecycle
    {
        Created,
        Running,
        Stopping,
        Stopped,
    }

    /// <summary>This node's name.</summary>
    public string Name => _options.NodeName;

    /// <summary>The address and port other members reach this node at (known after <see cref="StartAsync"/>).</summary>
    /// <exception cref="InvalidOperationException">Before <see cref="StartAsync"/>.</exception>
    public IPEndPoint AdvertisedEndPoint => _transport?.AdvertiseEndPoint ?? throw new InvalidOperationException("The node has not been started.");

    /// <summary>True between a successful <see cref="JoinAsync"/> (or start as a lone seed) and <see cref="LeaveAsync"/>.</summary>
    public bool IsJoined => _joined && State == Lifecycle.Running;

    /// <summary>The options the node runs with.</summary>
    internal PlumtreeNodeOptions Options => _options;

    /// <summary>The broadcast options in force.</summary>
    internal BroadcastOptions BroadcastOptions => _broadcastOptions;

    /// <summary>The memberlist transport (after start), for tests and the benchmark.</summary>
    internal MemberlistTransport? MemberlistTransport => _transport;

    /// <summary>The Plumtree stream transport (after start), for tests and the benchmark.</summary>
    internal PlumtreeStreamTransport? StreamTransport => _streams;

    /// <summary>The broadcast engine's monotonic counters (read from any thread, field by field).</summary>
    internal BroadcastCounters BroadcastCounters => _broadcast.Counters;

    /// <summary>Inputs waiting for the event loop (for the benchmark's trace).</summary>
    internal int InputQueueDepth => _inbox.Reader.Count;

    private Lifecycle State => (Lifecycle)Volatile.Read(ref _lifecycle);

    /// <summary>Engine time: elapsed on the node's clock since <see cref="StartAsync"/>.</summary>
    private TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    /// <summary>A non-negative seed from the OS's entropy (a version-4 Guid's first 4 bytes are random).</summary>
    private static int EntropySeed()
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes) & int.MaxValue;
    }

    private void EnsureRunning()
    {
        switch (State)
        {
            case Lifecycle.Created:
                throw new InvalidOperationException("The node has not been started; call StartAsync first.");
            case Lifecycle.Running:
                return;
            default:
                throw new ObjectDisposedException(nameof(PlumtreeNode), "The node has been stopped.");
        }
    }
}
