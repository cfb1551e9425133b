using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;
using Plumtree.Transport;

namespace Plumtree.ClusterBench;

/// <summary>
/// A loopback cluster in one process: N real nodes (UDP + TCP on 127.0.0.1), broadcasts at a fixed rate from
/// random nodes, every delivery timed on one shared monotonic clock. Prints one JSON object.
/// </summary>
internal sealed class ClusterBenchmark
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FormLimit = TimeSpan.FromSeconds(60);

    private readonly ClusterSettings _settings;
    private readonly List<PlumtreeNode> _nodes = [];
    private readonly Random _random = new(12345);
    private DeliveryTracker _tracker = null!;

    public ClusterBenchmark(ClusterSettings settings) => _settings = settings;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var n = _settings.Nodes;
        var faults = new FaultInjector(seed: 7);
        // Flood: every other node is a peer, eager, and protected from pruning (all of them are "ring neighbours"),
        // so each node forwards every new message to every other node.
        var broadcast = _settings.Flood
            ? BroadcastOptions.Lan with
            {
                EagerFanout = n + 1,
                LazyFanout = 0,
                Optimization = false,
                HashRing = true,
                ProtectRingNeighbors = true,
                MaxProtectedNeighbors = n % 2 == 0 ? n : n + 1,
            }
            : _settings is { Threshold: null, PruneDelayMs: null, Confirmations: null, RepairWindowMs: null }
                ? null
                : Tuned(new PlumtreeNodeOptions().EffectiveBroadcast);
        try
        {
            // Enough sequence numbers for the warm-up and the run, at the rate asked.
            var capacity = (int)Math.Ceiling(_settings.Rate * (_settings.Seconds + WarmUp.TotalSeconds + 5)) + 16;
            _tracker = new DeliveryTracker(capacity, n);
            for (var i = 0; i < n; i++)
            {
                var options = new PlumtreeNodeOptions
                {
                    NodeName = $"bench-{i:D3}",
                    BindAddress = "127.0.0.1",
                    BindPort = 0,
                    Profile = "local",
                    Broadcast = broadcast,
                    RandomSeed = i + 1,
                    Interceptor = faults,
                    PeerQueueCapacity = 16_384,
                    PeerInboundRateLimit = 0,
                };
                var node = new PlumtreeNode(options);
                node.MessageReceived += _tracker.OnDelivery;
                _nodes.Add(node);
                await node.StartAsync(cancellationToken).ConfigureAwait(false);
                faults.Register(node.Name, node.AdvertisedEndPoint);
                if (i > 0)
                {
                    await node.JoinAsync([_nodes[0].AdvertisedEndPoint], cancellationToken).ConfigureAwait(false);
                }
            }

            await WaitFormedAsync(cancellationToken).ConfigureAwait(false);
            faults.LossProbability = _settings.Loss;
            faults.Delay = TimeSpan.FromMilliseconds(_settings.DelayMs);

            // Warm-up: the tree forms by pruning the first messages' duplicates; not measured.
            var warmUpEnd = await SendAtRateAsync(0, WarmUp, cancellationToken).ConfigureAwait(false);
            await DrainAsync(0, warmUpEnd, cancellationToken).ConfigureAwait(false);

            using var stopTrace = new CancellationTokenSource();
            var trace = _settings.Trace ? new ClusterTrace(_nodes).RunAsync(stopTrace.Token) : Task.CompletedTask;
            var before = Totals();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var end = await SendAtRateAsync(warmUpEnd, TimeSpan.FromSeconds(_settings.Seconds), cancellationToken).ConfigureAwait(false);
            var sendSeconds = clock.Elapsed.TotalSeconds;
            await DrainAsync(warmUpEnd, end, cancellationToken).ConfigureAwait(false);
            var totalSeconds = clock.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var after = Totals();
            await stopTrace.CancelAsync().ConfigureAwait(false);
            await trace.ConfigureAwait(false);
            _tracker.WriteLatencyHistogram(_settings.Trace);
            return Report(warmUpEnd, end, sendSeconds, totalSeconds, cpu, after - before);
        }
        finally
        {
            faults.LossProbability = 0;
            faults.Delay = TimeSpan.Zero;
            await Task.WhenAll(_nodes.Select(node => node.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    /// <summary>The node defaults with the command line's overrides: threshold (0 = optimisation off), confirmations, repair window, prune delay.</summary>
    private BroadcastOptions Tuned(BroadcastOptions defaults) => defaults with
    {
        Optimization = _settings.Threshold is { } threshold ? threshold > 0 : defaults.Optimization || _settings.Confirmations is not null,
        OptimizationThreshold = _settings.Threshold is > 0 and var h ? h : defaults.OptimizationThreshold,
        OptimizationConfirmations = _settings.Confirmations ?? defaults.OptimizationConfirmations,
        OptimizationRepairWindow = _settings.RepairWindowMs is { } window ? TimeSpan.FromMilliseconds(window) : defaults.OptimizationRepairWindow,
        PruneDelay = _settings.PruneDelayMs is { } ms ? TimeSpan.FromMilliseconds(ms) : defaults.PruneDelay,
    };

    /// <summary>Every node sees every other alive and has Plumtree peers.</summary>
    private async Task WaitFormedAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var wanted = Math.Min(3, _nodes.Count - 1);
        while (!_nodes.All(node => node.Members.Count(m => m.State == MemberState.Alive) == _nodes.Count
                                   && node.EagerPeers.Count + node.LazyPeers.Count >= wanted))
        {
            if (clock.Elapsed > FormLimit)
            {
                throw new TimeoutException("The cluster did not form.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Broadcasts from random nodes at the configured rate for <paramref name="duration"/>; returns the next sequence number.</summary>
    private async Task<int> SendAtRateAsync(int first, TimeSpan duration, CancellationToken cancellationToken)
    {
        var payload = new byte[Math.Max(8, _settings.Payload)];
        var clock = Stopwatch.StartNew();
        var sequence = first;
        while (clock.Elapsed < duration)
        {
            var due = first + (long)(clock.Elapsed.TotalSeconds * _settings.Rate);
            while (sequence < due && sequence < _tracker.Capacity)
            {
                BitConverter.TryWriteBytes(payload, sequence);
                _tracker.Sent(sequence);
                await _nodes[_random.Next(_nodes.Count)].BroadcastAsync(payload, cancellationToken).ConfigureAwait(false);
                sequence++;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
        }

        return sequence;
    }

    /// <summary>Waits until messages [first, end) reached every node, or the drain limit.</summary>
    private async Task DrainAsync(int first, int end, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < DrainLimit && !_tracker.AllDelivered(first, end))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }
    }

    private Counters Totals()
    {
        var totals = new Counters();
        foreach (var node in _nodes)
        {
            var b = node.BroadcastCounters;
            totals.Gossip += Volatile.Read(ref b.GossipSent);
            totals.IHave += Volatile.Read(ref b.IHaveSent);
            totals.Graft += Volatile.Read(ref b.GraftSent);
            totals.Prune += Volatile.Read(ref b.PruneSent);
            totals.Duplicates += Volatile.Read(ref b.Duplicates);
            foreach (var counters in new[] { node.MemberlistTransport?.Counters, node.StreamTransport?.Counters })
            {
                if (counters is not null)
                {
                    totals.WireBytes += counters.DatagramBytesOut + counters.StreamBytesOut;
                }
            }
        }

        return totals;
    }

    private string Report(int first, int end, double sendSeconds, double totalSeconds, double cpu, Counters window)
    {
        var n = _nodes.Count;
        var messages = end - first;
        var deliveries = 0L;
        var complete = 0;
        var times = new List<double>(messages);
        var ldh = new List<int>(messages);
        for (var s = first; s < end; s++)
        {
            var count = _tracker.Count(s);
            deliveries += count;
            ldh.Add(_tracker.MaxHop(s));
            if (count == n)
            {
                complete++;
                times.Add(_tracker.TimeToAll(s).TotalMilliseconds);
            }
        }

        times.Sort();
        var remoteDeliveries = deliveries - messages;
        var result = new Dictionary<string, object>
        {
            ["mode"] = _settings.Flood ? "flood" : "plumtree",
            ["nodes"] = n,
            ["rate_per_second"] = _settings.Rate,
            ["payload_bytes"] = _settings.Payload,
            ["seconds"] = _settings.Seconds,
            ["loss"] = _settings.Loss,
            ["optimization_threshold"] = _nodes[0].BroadcastOptions.Optimization ? _nodes[0].BroadcastOptions.OptimizationThreshold : 0,
            ["optimization_confirmations"] = _nodes[0].BroadcastOptions.OptimizationConfirmations,
            ["optimization_repair_window_ms"] = _nodes[0].BroadcastOptions.OptimizationRepairWindow.TotalMilliseconds,
            ["delay_ms"] = _settings.DelayMs,
            ["prune_after_duplicates"] = _nodes[0].BroadcastOptions.PruneAfterDuplicates,
            ["prune_delay_ms"] = _nodes[0].BroadcastOptions.PruneDelay.TotalMilliseconds,
            ["messages"] = messages,
            ["delivery_ratio"] = Round(messages == 0 ? 0 : (double)deliveries / ((long)messages * n), 6),
            ["messages_delivered_to_all"] = complete,
            ["time_to_all_ms"] = new Dictionary<string, double>
            {
                ["p50"] = Round(Percentile(times, 0.50), 2),
                ["p99"] = Round(Percentile(times, 0.99), 2),
                ["max"] = Round(times.Count == 0 ? 0 : times[^1], 2),
            },
            ["rmr"] = Round(messages == 0 ? 0 : ((double)window.Gossip / ((long)messages * (n - 1))) - 1, 4),
            ["ldh_mean"] = Round(ldh.Count == 0 ? 0 : ldh.Average(), 2),
            ["ldh_max"] = ldh.Count == 0 ? 0 : ldh.Max(),
            ["wire_bytes_per_payload_byte"] = Round(remoteDeliveries <= 0 ? 0 : (double)window.WireBytes / (remoteDeliveries * _settings.Payload), 3),
            ["messages_per_second_sustained"] = Round(messages / sendSeconds, 1),
            ["deliveries_per_second"] = Round(deliveries / totalSeconds, 1),
            ["cpu_seconds"] = Round(cpu, 2),
            ["frames"] = new Dictionary<string, long>
            {
                ["gossip"] = window.Gossip,
                ["ihave_entries"] = window.IHave,
                ["graft"] = window.Graft,
                ["prune"] = window.Prune,
                ["duplicates"] = window.Duplicates,
            },
        };
        return JsonSerializer.Serialize(result);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Round(double value, int digits) => Math.Round(value, digits);

    private sealed class Counters
    {
        public long Gossip;
        public long IHave;
        public long Graft;
        public long Prune;
        public long Duplicates;
        public long WireBytes;

        public static Counters operator -(Counters a, Counters b) => new()
        {
            Gossip = a.Gossip - b.Gossip,
            IHave = a.IHave - b.IHave,
            Graft = a.Graft - b.Graft,
            Prune = a.Prune - b.Prune,
            Duplicates = a.Duplicates - b.Duplicates,
            WireBytes = a.WireBytes - b.WireBytes,
        };
    }
}
