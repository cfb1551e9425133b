using Plumtree.Broadcast;
using Plumtree.Simulator.Metrics;
using Plumtree.Sync;

namespace Plumtree.Simulator.Core;

/// <summary>
/// Anti-entropy (<c>--sync</c>): one <see cref="SyncEngine"/> per node, driven as <c>PlumtreeNode</c> drives it.
/// Deliveries from the tree go through <see cref="SyncEngine.Accept"/> (a message already held is not delivered again),
/// sync bodies travel through the <see cref="NetworkModel"/> like Plumtree frames (cut by a partition, lost with
/// <c>--loss</c>), the sync peers follow the node's broadcast view (PeerDown for members that leave it, PeerUp for
/// members that join it, <c>returning: true</c> for a member seen before or the first peer of a lone node), and each
/// engine's <see cref="SyncEngine.NextTickAt"/> is kept as an event. Times are Unix milliseconds of virtual time.
/// </summary>
internal sealed partial class Simulation
{
    private readonly SyncEngine?[]? _syncs;
    private readonly long[]? _syncScheduled;
    private readonly List<(int Node, MessageId Id, ReadOnlyMemory<byte> Payload)> _reinject = [];
    private readonly SyncTotals.Builder _deadSync = new();
    private long _syncFramesSent;
    private long _syncFramesDelivered;
    private long _recoveredDeliveries;
    private long _refusedDeliveries;
    private long _reinjected;
    private SyncTotals? _syncAtPartition;
    private SyncTotals? _syncAtHeal;
    private long[]? _syncBytesAtHeal;

    /// <summary>The sync settings a config implies: the defaults, with the interval mapped onto virtual time.</summary>
    public static SyncOptions SyncOptionsFor(SimConfig config)
    {
        var cycleSeconds = config.EventMode ? 1.0 / config.Rate : CyclePeriod.TotalSeconds;
        return new SyncOptions
        {
            Interval = TimeSpan.FromMilliseconds(Math.Round(config.SyncIntervalCycles * cycleSeconds * 1000)),
        }.ThrowIfInvalid();
    }

    /// <summary>The sync engine of node <paramref name="node"/> (null without <c>--sync</c> or once the node is dead).</summary>
    internal SyncEngine? SyncOf(int node) => _syncs?[node];

    /// <summary>Virtual time as Unix milliseconds (the sync engine's clock and the message ids' time).</summary>
    private long NowMs => EpochUnixMs + (_now / TimeSpan.TicksPerMillisecond);

    private static long MsToTicks(long unixMs) => (unixMs - EpochUnixMs) * TimeSpan.TicksPerMillisecond;

    /// <summary>After any input to a sync engine: (re)schedule its tick.</summary>
    private void AfterSyncInput(int node)
    {
        if (_syncs![node] is not { } sync || sync.NextTickAt is not { } next)
        {
            return;
        }

        var at = Math.Max(MsToTicks(next), _now);
        if (at < _syncScheduled![node])
        {
            _syncScheduled[node] = at;
            _queue.Enqueue(at, new SimEvent { Kind = EventKind.SyncTick, To = node, Stamp = at });
        }
    }

    private void FireSyncTick(int node, long stamp)
    {
        if (!_alive[node] || _syncScheduled![node] != stamp)
        {
            return; // superseded by an earlier schedule, or the node died
        }

        _syncScheduled[node] = long.MaxValue;
        _syncs![node]!.Tick(NowMs);
        AfterSync(node);
    }

    /// <summary>A sync body arrived at a live node.</summary>
    private void ArriveSync(in SimEvent ev)
    {
        _syncFramesDelivered++;
        _syncs![ev.To]!.Receive(_names[ev.From], ev.Payload.Span, NowMs);
        AfterSync(ev.To);
    }

    /// <summary>After a sync engine call returned: re-inject what it recovered (outside its callback), then reschedule.</summary>
    private void AfterSync(int node)
    {
        if (_reinject.Count > 0)
        {
            Reinject();
        }

        AfterSyncInput(node);
    }

    /// <summary>
    /// <c>--sync-reinject</c>: every message a node recovered by sync is pushed into the tree again by that node with its
    /// original id, through <see cref="BroadcastEngine.Reinject"/> as the node does (eager push and lazy announcements,
    /// no second delivery; nothing when the tree brought it meanwhile).
    /// </summary>
    private void Reinject()
    {
        foreach (var (node, id, payload) in _reinject)
        {
            if (_engines![node] is { } engine && engine.Reinject(id, payload, Now, NowMs))
            {
                _reinjected++;
                AfterInput(node);
            }
        }

        _reinject.Clear();
    }

    /// <summary>Called by a node's sync output: route one sync body to a peer named by the engine.</summary>
    internal void OnSyncSend(int from, string peer, ReadOnlyMemory<byte> body)
    {
        if (!_index.TryGetValue(peer, out var to))
        {
            _unknownPeer++;
            return;
        }

        _syncFramesSent++;
        CountSyncBytes(body.Length);
        if (!_network.TryRoute(from, to, out var delay))
        {
            return;
        }

        var ev = new SimEvent { Kind = EventKind.Frame, FrameType = FrameType.Sync, From = from, To = to, Payload = body };
        if (_network.ConstantLatency)
        {
            _queue.EnqueueInOrder(_now + delay, in ev);
        }
        else
        {
            _queue.Enqueue(_now + delay, in ev);
        }

        _inFlight++;
    }

    /// <summary>Called by a node's sync output: a message newly obtained through sync is delivered to the application.</summary>
    internal void OnSyncRecovered(int node, MessageId id, ReadOnlyMemory<byte> payload)
    {
        _recoveredDeliveries++;
        if (MarkDelivered(node, id, hop: null) is { } track)
        {
            track.RecoveredBySync++;
        }

        if (_config.SyncReinject)
        {
            _reinject.Add((node, id, payload));
        }
    }

    /// <summary>With sync: a delivery from the tree is new to the application only when the sync store accepts it.</summary>
    private bool AcceptDelivery(int node, MessageId id, ReadOnlyMemory<byte> payload)
    {
        if (_syncs?[node] is not { } sync)
        {
            return true;
        }

        if (!sync.Accept(id, payload, NowMs))
        {
            _refusedDeliveries++;

            return false;
        }

        AfterSyncInput(node);
        return true;
    }

    /// <summary>The sync counters summed over every engine (dead ones as they were at death).</summary>
    private SyncTotals SyncTotalsNow()
    {
        var builder = new SyncTotals.Builder();
        builder.Add(_deadSync);
        foreach (var sync in _syncs!)
        {
            if (sync is not null)
            {
                builder.Add(sync.Counters);
            }
        }

        return builder.Build();
    }

    /// <summary>Per-node sync bytes (sent + received) now.</summary>
    private long[] SyncBytesNow()
    {
        var bytes = new long[_n];
        for (var i = 0; i < _n; i++)
        {
            if (_syncs![i] is { } sync)
            {
                bytes[i] = sync.Counters.BytesSent + sync.Counters.BytesReceived;
            }
        }

        return bytes;
    }

    /// <summary>A node died: its sync counters are kept in the totals.</summary>
    private void KillSync(int node)
    {
        if (_syncs?[node] is { } sync)
        {
            _deadSync.Add(sync.Counters);
            _syncs[node] = null;
            _syncScheduled![node] = long.MaxValue;
        }
    }

    /// <summary>The run's sync figures (null without <c>--sync</c>).</summary>
    private SyncResult? BuildSyncResult()
    {
        if (_syncs is null)
        {
            return null;
        }

        var bytes = SyncBytesNow();
        var live = Enumerable.Range(0, _n).Where(i => _alive[i]).ToList();
        (double Mean, long Max) Stats(Func<int, long> of) =>
            live.Count == 0 ? (0, 0) : (live.Average(i => (double)of(i)), live.Max(of));

        var whole = Stats(i => bytes[i]);
        (double Mean, long Max)? afterHeal = _syncBytesAtHeal is { } atHeal ? Stats(i => bytes[i] - atHeal[i]) : null;
        double? backgroundPerSecond = null;
        if (_syncAtPartition is { } atPartition && _partitionAt > 0)
        {
            backgroundPerSecond = (atPartition.BytesSent + atPartition.BytesReceived) / (double)_n / (_partitionAt / (double)TimeSpan.TicksPerSecond);
        }

        return new SyncResult
        {
            Options = SyncOptionsFor(_config),
            Total = SyncTotalsNow(),
            AtPartition = _syncAtPartition,
            AtHeal = _syncAtHeal,
            BytesPerNodeMean = whole.Mean,
            BytesPerNodeMax = whole.Max,
            BytesAfterHealPerNodeMean = afterHeal?.Mean,
            BytesAfterHealPerNodeMax = afterHeal?.Max,
            BackgroundBytesPerNodeSecond = backgroundPerSecond,
            FramesSent = _syncFramesSent,
            FramesDelivered = _syncFramesDelivered,
            RecoveredDeliveries = _recoveredDeliveries,
            RefusedDeliveries = _refusedDeliveries,
            Reinjected = _reinjected,
        };
    }
}
