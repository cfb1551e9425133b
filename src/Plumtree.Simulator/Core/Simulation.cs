using System.Diagnostics;
using Plumtree.Broadcast;
using Plumtree.Simulator.Flood;
using Plumtree.Simulator.Metrics;
using Plumtree.Sync;

namespace Plumtree.Simulator.Core;

/// <summary>
/// The deterministic discrete-event simulator. Nodes are real <see cref="BroadcastEngine"/>s (plumtree mode)
/// or the simulator's own flood forwarding over <see cref="FloodOverlay"/> (flood mode), connected by a
/// <see cref="NetworkModel"/>. Engines are driven only through their public inputs (SetView, Receive,
/// Tick, Broadcast); each engine's next tick is kept as an event in the queue and rescheduled after every
/// input. One seed fixes everything: every random stream (per node, failures, senders, network, overlay)
/// is derived from it in a fixed order.
/// </summary>
internal sealed partial class Simulation
{
    /// <summary>Cycle mode's unit link delay: far below the graft timers, so a broadcast drains before any graft timer fires.</summary>
    internal static readonly TimeSpan CycleLinkDelay = TimeSpan.FromMicroseconds(100);

    /// <summary>Cycle mode: virtual time between cycle starts (a step that runs longer pushes the next cycle back).</summary>
    internal static readonly TimeSpan CyclePeriod = TimeSpan.FromSeconds(1);

    /// <summary>Longest a broadcast or membership step may run before it is cut off (a safety net; never reached in practice).</summary>
    internal static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(60);

    /// <summary>The join ends once the peer sets have not changed for this much virtual time (longer than the engine's largest repair back-off, 32 × 1 s).</summary>
    internal static readonly TimeSpan BootstrapSettle = TimeSpan.FromSeconds(40);

    /// <summary>How often the join checks whether the peer sets still change.</summary>
    internal static readonly TimeSpan BootstrapStep = TimeSpan.FromSeconds(5);

    /// <summary>The join ends at the latest after this much virtual time.</summary>
    internal static readonly TimeSpan BootstrapLimit = TimeSpan.FromSeconds(600);

    /// <summary>Virtual epoch for message ids (2026-01-01T00:00:00Z).</summary>
    private const long EpochUnixMs = 1_767_225_600_000;

    private static readonly ReadOnlyMemory<byte> PayloadBytes = new byte[64];

    private readonly SimConfig _config;
    private readonly int _n;
    private readonly string[] _names;
    private readonly int _nameDigits;
    private readonly Dictionary<string, int> _index;
    private readonly EventQueue _queue = new();
    private readonly NetworkModel _network;
    private readonly Random _failureRandom;
    private readonly Random _senderRandom;
    private readonly Random _overlayRandom;
    private readonly ulong _idSalt;

    private readonly bool[] _alive;
    private readonly long[] _deathTime;
    private readonly bool[] _inView;
    private readonly int[] _liveList;
    private readonly int[] _livePos;
    private int _aliveCount;
    private readonly List<(int Node, long DetectAt)> _undetected = [];
    private PeerView _view = PeerView.Empty;
    private long _viewVersion;

    private readonly BroadcastEngine?[]? _engines;
    private readonly long[] _scheduledTick;
    private readonly int[] _pending;
    private long _pendingTotal;
    private readonly BroadcastCounters _deadCounters = new();

    private readonly FloodOverlay? _overlay;

    /// <summary>Each node's zone, by name (null without zones).</summary>
    private readonly Dictionary<string, string>? _zoneMap;

    private int[]? _partitionGroup;
    private bool _split;
    private long _partitionAt = -1;
    private long _healAt = -1;
    private int _healCycle = -1;

    private readonly int _fixedSender;
    private readonly IHaveEntry[] _scratch = new IHaveEntry[1];
    private readonly Dictionary<MessageId, MessageTrack> _tracks = [];
    private readonly List<MessageTrack> _trackOrder = [];
    private readonly List<CycleRecord> _records = [];

    private long _now;
    private int _inFlight;
    private Phase _phase = Phase.Bootstrap;
    private CycleRecord? _current;
    private readonly long[] _sentByType = new long[9];
    private readonly long[] _receivedByType = new long[9];
    private readonly long[] _bootstrapControl = new long[CycleRecord.ControlTypes.Length];
    private long _toDead;
    private long _unknownPeer;
    private long _untrackedDeliveries;
    private long _duplicateDeliveries;
    private long _eventsProcessed;
    private int _cutSteps;
    private double _joinSeconds;

    private enum Phase
    {
        Bootstrap,
        Broadcast,
        Membership,
        Idle,
    }

    /// <summary>Builds the nodes and network for <paramref name="config"/> (engines are created here; the join runs in <see cref="Run"/>).</summary>
    public Simulation(SimConfig config)
    {
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(config));
        }

        _config = config;
        _n = config.Nodes;

        // Every random stream comes from the one seed, drawn in a fixed order.
        var master = new Random(config.Seed);
        var nodeSeeds = new int[_n];
        for (var i = 0; i < _n; i++)
        {
            nodeSeeds[i] = master.Next();
        }

        _failureRandom = new Random(master.Next());
        _senderRandom = new Random(master.Next());
        _overlayRandom = new Random(master.Next());
        var networkRandom = new Random(master.Next());
        _idSalt = (ulong)master.NextInt64();
        var syncSeed = config.Sync ? master.Next() : 0; // drawn last: the streams above are the same with or without sync

        var linkMin = config.EventMode ? TimeSpan.FromMilliseconds(config.LatencyMinMs) : CycleLinkDelay;
        var linkMax = config.EventMode ? TimeSpan.FromMilliseconds(config.LatencyMaxMs) : CycleLinkDelay;
        _network = config.Zoned && config.EventMode && config.CrossZoneLatencyMinMs is { } crossMin
            ? new NetworkModel(linkMin, linkMax, config.Loss, networkRandom, config.Zones, TimeSpan.FromMilliseconds(crossMin), TimeSpan.FromMilliseconds(config.CrossZoneLatencyMaxMs ?? crossMin))
            : new NetworkModel(linkMin, linkMax, config.Loss, networkRandom);

        var digits = (_n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        _nameDigits = digits;
        _names = new string[_n];
        _index = new Dictionary<string, int>(_n, StringComparer.Ordinal);
        _alive = new bool[_n];
        _deathTime = new long[_n];
        _inView = new bool[_n];
        _liveList = new int[_n];
        _livePos = new int[_n];
        _scheduledTick = new long[_n];
        _pending = new int[_n];
        for (var i = 0; i < _n; i++)
        {
            _names[i] = "n" + i.ToString("D" + digits, System.Globalization.CultureInfo.InvariantCulture);
            _index.Add(_names[i], i);
            _alive[i] = true;
            _deathTime[i] = long.MaxValue;
            _inView[i] = true;
            _liveList[i] = i;
            _livePos[i] = i;
            _scheduledTick[i] = long.MaxValue;
        }

        _aliveCount = _n;
        if (config.Zoned)
        {
            _zoneMap = new Dictionary<string, string>(_n, StringComparer.Ordinal);
            for (var i = 0; i < _n; i++)
            {
                _zoneMap[_names[i]] = "z" + (i % config.Zones).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        _fixedSender = _senderRandom.Next(_n);

        if (config.Mode == SimMode.Plumtree)
        {
            var options = EngineOptions(config);
            _engines = new BroadcastEngine?[_n];
            for (var i = 0; i < _n; i++)
            {
                _engines[i] = new BroadcastEngine(_names[i], options, new NodeOutput(this, i), new Random(nodeSeeds[i]));
            }

            if (config.Sync)
            {
                var syncOptions = SyncOptionsFor(config);
                var syncRandom = new Random(syncSeed);
                _syncs = new SyncEngine?[_n];
                _syncScheduled = new long[_n];
                _syncView = new PeerView?[_n];
                if (config.SyncPeers == SyncPeers.Overlay)
                {
                    _syncOverlayPeers = new string[]?[_n];
                    _syncPeerVersion = new long[_n];
                    _returned = new HashSet<string>?[_n];
                }

                for (var i = 0; i < _n; i++)
                {
                    _syncs[i] = new SyncEngine(_names[i], syncOptions, new SyncOutput(this, i), new Random(syncRandom.Next()), EpochUnixMs);
                    _syncScheduled[i] = long.MaxValue;
                }
            }
        }
        else
        {
            _overlay = FloodOverlay.RandomRegular(_n, config.Degree, _overlayRandom);
        }
    }

    /// <summary>The engine options a config implies: the paper preset (threshold 3; many senders: 3 confirmations) plus overrides.</summary>
    public static BroadcastOptions EngineOptions(SimConfig config)
    {
        var options = BroadcastOptions.Paper(config.Senders != SenderMode.Single) with
        {
            Optimization = config.Optimization,
            EagerFanout = config.Degree,
            MinCrossZoneLinks = config.ZoneAware ? 1 : 0,
            OverlaySplice = config.Splice,
        };
        if (!config.LinkTimers)
        {
            options = options with { GraftRttFactor = 0, CrossZoneGraftFloor = TimeSpan.Zero };
        }
        else
        {
            if (config.GraftRttFactor is { } factor)
            {
                options = options with { GraftRttFactor = factor };
            }

            if (config.CrossZoneGraftFloorMs is { } floor)
            {
                options = options with { CrossZoneGraftFloor = TimeSpan.FromMilliseconds(floor) };
            }
        }
        if (config.GraftTimeoutMs is { } t1)
        {
            options = options with { GraftTimeout = TimeSpan.FromMilliseconds(t1) };
        }

        if (config.OptimizationThreshold is { } threshold)
        {
            options = options with { OptimizationThreshold = threshold };
        }

        if (config.OptimizationRepairWindowMs is { } window)
        {
            options = options with { OptimizationRepairWindow = TimeSpan.FromMilliseconds(window) };
        }

        if (config.OptimizationConfirmations is { } k)
        {
            options = options with { OptimizationConfirmations = k };
        }

        if (config.GraftRetryTimeoutMs is { } t2)
        {
            options = options with { GraftRetryTimeout = TimeSpan.FromMilliseconds(t2) };
        }

        if (config.GraftRepairRounds is { } rounds)
        {
            options = options with { GraftRepairRounds = rounds };
        }

        if (config.LatencyOptimization)
        {
            options = options with { LatencyOptimization = true };
        }

        if (config.SharedTree)
        {
            options = options with
            {
                SharedTree = true,
                SharedTreeRoots = config.SharedTreeRoots ?? options.SharedTreeRoots,
                SharedTreeHysteresis = config.SharedTreeHysteresisMs is { } h ? TimeSpan.FromMilliseconds(h) : options.SharedTreeHysteresis,
                SharedTreeInterval = config.SharedTreeIntervalMs is { } iv ? TimeSpan.FromMilliseconds(iv) : options.SharedTreeInterval,
            };
        }

        if (config.OptimizationTimeThresholdMs is { } timeThreshold)
        {
            options = options with { OptimizationTimeThreshold = TimeSpan.FromMilliseconds(timeThreshold) };
        }

        return options.ThrowIfInvalid();
    }

    /// <summary>Node names, by index.</summary>
    internal IReadOnlyList<string> Names => _names;

    /// <summary>The engine of node <paramref name="node"/> (plumtree mode; null once the node is dead).</summary>
    internal BroadcastEngine? EngineOf(int node) => _engines?[node];

    /// <summary>The flood overlay (flood mode).</summary>
    internal FloodOverlay? Overlay => _overlay;

    private TimeSpan Now => new(_now);

    /// <summary>A view of <paramref name="names"/> with their zones, under the next view version.</summary>
    private PeerView NewView(IEnumerable<string> names) => PeerView.CreateZoned(names, _zoneMap, ++_viewVersion);

    /// <summary>
    /// With zones or the latency-aware optimisation, in event mode: every live engine gets an RTT sample (twice the link
    /// latency) for each of its peers, as a node gets them from its membership pings; called once per broadcast period.
    /// </summary>
    private void FeedRtt()
    {
        if (_engines is not { } engines || !(_config.Zoned || _config.LatencyOptimization) || !_config.EventMode)
        {
            return;
        }

        for (var i = 0; i < _n; i++)
        {
            if (engines[i] is not { } engine)
            {
                continue;
            }

            foreach (var list in new[] { engine.EagerPeers, engine.LazyPeers })
            {
                foreach (var peer in list)
                {
                    engine.ObserveRtt(peer, TimeSpan.FromTicks(2 * _network.LinkDelay(i, _index[peer])));
                }
            }
        }
    }

    /// <summary>Runs the whole scenario and returns the measurements.</summary>
    public SimResult Run()
    {
        var stopwatch = Stopwatch.StartNew();
        var timings = new PhaseTimings();
        var gc0 = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        Bootstrap();
        var overlayAfterJoin = MeasureOverlay();
        var histogramAfterJoin = DegreeHistogram();
        timings.JoinWallSeconds = stopwatch.Elapsed.TotalSeconds;
        process.Refresh();
        timings.JoinCpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        cpu = process.TotalProcessorTime;
        timings.JoinAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        allocated += timings.JoinAllocatedBytes;
        if (_config.EventMode)
        {
            RunEventMode();
        }
        else
        {
            RunCycleMode();
        }

        timings.RunWallSeconds = stopwatch.Elapsed.TotalSeconds - timings.JoinWallSeconds;
        process.Refresh();
        timings.RunCpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        timings.RunAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        var overlayAtEnd = MeasureOverlay();
        var counters = SumCounters();
        stopwatch.Stop();
        timings.FinishWallSeconds = stopwatch.Elapsed.TotalSeconds - timings.JoinWallSeconds - timings.RunWallSeconds;
        for (var g = 0; g < 3; g++)
        {
            timings.Collections[g] = GC.CollectionCount(g) - gc0[g];
        }

        return new SimResult
        {
            Timings = timings,
            Config = _config,
            Records = _records,
            BootstrapControl = _bootstrapControl,
            OverlayAfterJoin = overlayAfterJoin,
            OverlayAtEnd = overlayAtEnd,
            SharedTreeAtEnd = _config.SharedTree ? MeasureSharedTree() : null,
            FramesSent = _sentByType.Sum(),
            FramesLost = _network.Lost,
            FramesCut = _network.Cut,
            FramesToDead = _toDead,
            UnknownPeer = _unknownPeer,
            UntrackedDeliveries = _untrackedDeliveries,
            DuplicateDeliveries = _duplicateDeliveries,
            EventsProcessed = _eventsProcessed,
            CutSteps = _cutSteps,
            JoinSeconds = _joinSeconds,
            JoinTrace = _joinTrace,
            JoinFullSeconds = _joinFullSeconds,
            DegreeHistogramAfterJoin = histogramAfterJoin,
            SpliceFramesInJoin = _spliceFramesInJoin,
            EngineCounters = counters,
            Sync = BuildSyncResult(),
            Consistency = BuildConsistency(),
            FixedSender = _config.Senders == SenderMode.Single ? _fixedSender : null,
            WallSeconds = stopwatch.Elapsed.TotalSeconds,
        };
    }
}
