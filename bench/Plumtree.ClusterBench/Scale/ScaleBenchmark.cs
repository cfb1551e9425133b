using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plumtree.ClusterBench.Versus;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.ClusterBench.Scale;

/// <summary>
/// <c>plumtree-bench scale</c>: N of our nodes in this one process (UDP + TCP on 127.0.0.1, <c>local</c> profile,
/// node defaults) and G Go memberlist 0.2.2 nodes (one process each, <c>DefaultLocalConfig</c>, membership only) in
/// one cluster. Measures convergence, membership CPU per node over an idle window (ours: this process's CPU / N;
/// Go: each process's utime + stime), delivery / RMR / time-to-all of broadcasts among our nodes, then the time
/// until every other node declares a killed node dead: one of ours (sockets closed, no leave) and one Go peer
/// (SIGKILL). Prints one JSON object.
/// </summary>
internal sealed class ScaleBenchmark(ScaleSettings settings)
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);

    private readonly List<PlumtreeNode> _nodes = [];
    private readonly List<GoPeer> _go = [];
    private readonly Random _random = new(12345);

    // Per our observer node: subject name → when it declared it dead (Unix ms); a later join/alive removes it.
    private readonly List<ConcurrentDictionary<string, long>> _deadAt = [];
    private long _deadEvents;
    private long _suspectEvents;
    private long _suspectEventsOfGo;
    private int _joinRetries;
    private DeliveryTracker _tracker = null!;

    private static long NowMs => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<JsonObject> RunAsync(CancellationToken cancellationToken)
    {
        var n = settings.Nodes;
        var g = settings.GoPeers;
        var total = n + g;
        var result = new JsonObject
        {
            ["benchmark"] = "scale",
            ["nodes"] = n,
            ["go_peers"] = g,
            ["profile"] = "local",
            ["rate_per_second"] = settings.Rate,
            ["payload_bytes"] = settings.Payload,
            ["seconds"] = settings.Seconds,
            ["settle_s"] = settings.Settle,
            ["idle_window_s"] = settings.IdleWindow,
            ["machine"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["load_average_1m_before"] = ProcFs.LoadAverage() },
            ["runtime"] = new JsonObject
            {
                ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
                ["dotnet_env"] = new JsonArray(Environment.GetEnvironmentVariables().Keys.Cast<string>()
                    .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                    .Select(k => (JsonNode?)$"{k}={Environment.GetEnvironmentVariable(k)}").ToArray()),
            },
        };

        var binary = g == 0 ? null : settings.GoBinary ?? await GoPeerBuild.BuildAsync(cancellationToken).ConfigureAwait(false);
        var capacity = (int)Math.Ceiling(settings.Rate * (settings.Seconds + WarmUp.TotalSeconds + 5)) + 16;
        _tracker = new DeliveryTracker(capacity, n);
        try
        {
            // --- start-up and convergence ---------------------------------------------------------------
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var node = new PlumtreeNode(new PlumtreeNodeOptions
                {
                    NodeName = $"pt-{i:D3}",
                    BindAddress = "127.0.0.1",
                    BindPort = 0,
                    Profile = "local",
                    RandomSeed = i + 1,
                });
                var deadAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
                _deadAt.Add(deadAt);
                node.MemberChanged += change => OnMemberChanged(deadAt, change);
                node.MessageReceived += _tracker.OnDelivery;
                _nodes.Add(node);
                await node.StartAsync(cancellationToken).ConfigureAwait(false);
                if (i > 0)
                {
                    await JoinAsync(node, i, cancellationToken).ConfigureAwait(false);
                }

                if (i % settings.Batch == settings.Batch - 1 && i < n - 1)
                {
                    // Start in batches: let each batch's join storm settle before the next. Settled: 98 % of the (node, started
                    // node) pairs known alive (rumours that missed a node wait for the next push/pull; not waited for here).
                    var started = i + 1;
                    var batchClock = Stopwatch.StartNew();
                    while (batchClock.Elapsed < TimeSpan.FromSeconds(30)
                           && _nodes.Sum(x => (long)Math.Min(started, x.Members.Count(m => m.State == MemberState.Alive))) < 0.98 * started * started)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (settings.Progress && i % 16 == 15)
                {
                    var status = ProcFs.Status(Environment.ProcessId);
                    await Console.Error.WriteLineAsync($"{clock.Elapsed.TotalSeconds:F1}s started {i + 1}; suspicions {Interlocked.Read(ref _suspectEvents)}; cpu {ProcFs.Cpu(Environment.ProcessId)?.Self:F1}s threads {status?.Threads} rss {status?.RssMb:F0} MB; join retries {_joinRetries}; load {ProcFs.LoadAverage()}").ConfigureAwait(false);
                }
            }

            var oursStarted = clock.Elapsed;
            for (var i = 0; i < g; i++)
            {
                // Each Go peer joins through a different one of our nodes.
                _go.Add(await StartGoPeerAsync(binary!, i, cancellationToken).ConfigureAwait(false));
            }

            var allStarted = clock.Elapsed;
            var oursAllAlive = await UntilAsync(() => _nodes.All(node => node.Members.Count(m => m.State == MemberState.Alive) == total), cancellationToken).ConfigureAwait(false)
                ? clock.Elapsed : (TimeSpan?)null;
            var oursConverged = await UntilAsync(() => OursConverged(total), cancellationToken).ConfigureAwait(false)
                ? clock.Elapsed : (TimeSpan?)null;
            var goConverged = await GoConvergedAsync(total, cancellationToken).ConfigureAwait(false) ? clock.Elapsed : (TimeSpan?)null;
            result["convergence"] = new JsonObject
            {
                ["ours_started_ms"] = Ms(oursStarted),
                ["join_retries"] = _joinRetries,
                ["all_started_ms"] = Ms(allStarted),
                ["ours_see_all_alive_ms"] = oursAllAlive is { } a ? Ms(a) : null,
                ["ours_see_all_alive_and_overlay_formed_ms"] = oursConverged is { } o ? Ms(o) : null,
                ["go_see_all_alive_ms"] = goConverged is { } c ? Ms(c) : null,
                ["after_last_start_ms"] = oursConverged is { } o2 && goConverged is { } c2 ? Ms((o2 > c2 ? o2 : c2) - allStarted) : null,
                ["start_batch"] = settings.Batch,
                ["converged"] = oursConverged is not null && goConverged is not null,
                ["min_plumtree_peers"] = _nodes.Min(node => node.EagerPeers.Count + node.LazyPeers.Count),
                ["max_plumtree_peers"] = _nodes.Max(node => node.EagerPeers.Count + node.LazyPeers.Count),
                ["eager_edges"] = _nodes.Sum(node => node.EagerPeers.Count),
            };
            if (oursConverged is null || goConverged is null)
            {
                result["error"] = "the cluster did not converge within --form-timeout";
                return result;
            }

            // --- idle window: membership only ----------------------------------------------------------
            await Task.Delay(TimeSpan.FromSeconds(settings.Settle), cancellationToken).ConfigureAwait(false);
            result["idle"] = await MeasureWindowAsync(
                () => Task.Delay(TimeSpan.FromSeconds(settings.IdleWindow), cancellationToken),
                cancellationToken).ConfigureAwait(false);

            // --- broadcasts among our nodes --------------------------------------------------------------
            var warmUpEnd = await SendAtRateAsync(0, WarmUp, cancellationToken).ConfigureAwait(false);
            await DrainAsync(0, warmUpEnd, cancellationToken).ConfigureAwait(false);
            var before = BroadcastTotals();
            int end = 0;
            var sendClock = Stopwatch.StartNew();
            var window = await MeasureWindowAsync(
                async () =>
                {
                    end = await SendAtRateAsync(warmUpEnd, TimeSpan.FromSeconds(settings.Seconds), cancellationToken).ConfigureAwait(false);
                    await DrainAsync(warmUpEnd, end, cancellationToken).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            var after = BroadcastTotals();
            result["broadcast"] = BroadcastReport(warmUpEnd, end, before, after, window);
            // Every suspicion and death before the kills is false (nobody was down): summed over our observers, start-up included.
            result["suspect_events_at_ours_before_kills"] = Interlocked.Read(ref _suspectEvents);
            result["suspect_events_at_ours_of_go_peers_before_kills"] = Interlocked.Read(ref _suspectEventsOfGo);
            result["dead_events_at_ours_before_kills"] = Interlocked.Read(ref _deadEvents);

            // --- failure detection: one of ours, then one Go peer ---------------------------------------
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            var victim = _nodes[^1];
            var killedAt = NowMs;
            await victim.KillAsync().ConfigureAwait(false);
            result["detect_killed_ours"] = await DetectionAsync(victim.Name, killedAt, _nodes.Count - 1, _go, cancellationToken).ConfigureAwait(false);
            if (g >= 2)
            {
                var goVictim = _go[^1];
                killedAt = NowMs;
                goVictim.Kill();
                result["detect_killed_go"] = await DetectionAsync(goVictim.Name, killedAt, _nodes.Count - 1, _go.Take(g - 1).ToList(), cancellationToken).ConfigureAwait(false);
            }

            result["machine"]!["load_average_1m_after"] = ProcFs.LoadAverage();
            return result;
        }
        finally
        {
            await Task.WhenAll(_go.Select(peer => peer.DisposeAsync().AsTask())).ConfigureAwait(false);
            await Task.WhenAll(_nodes.Select(node => node.KillAsync())).ConfigureAwait(false);
            await Task.WhenAll(_nodes.Select(node => node.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Joins through up to three earlier nodes (the first and two at random), as an operator's seed list would; with the
    /// <c>local</c> profile's 1 s TCP timeout a loaded machine can time a push/pull out, so a failed join is retried
    /// (counted in the JSON).
    /// </summary>
    private async Task JoinAsync(PlumtreeNode node, int index, CancellationToken cancellationToken)
    {
        var seeds = new[] { 0, _random.Next(index), _random.Next(index) }.Distinct().Select(s => _nodes[s].AdvertisedEndPoint).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await node.JoinAsync(seeds, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PlumtreeJoinException e) when (attempt < 30)
            {
                if (settings.Progress)
                {
                    await Console.Error.WriteLineAsync($"join of {node.Name} failed (attempt {attempt}): {e.Message}").ConfigureAwait(false);
                }

                _joinRetries++;
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts Go peer <paramref name="index"/>, joining through one of our nodes; a failed join (1 s TCP timeout) is retried with a fresh process.</summary>
    private async Task<GoPeer> StartGoPeerAsync(string binary, int index, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await GoPeer.StartAsync(binary, $"go-{index:D2}", _nodes[(index * 7 + 1 + attempt) % _nodes.Count].AdvertisedEndPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (attempt < 9)
            {
                _joinRetries++;
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void OnMemberChanged(ConcurrentDictionary<string, long> deadAt, MemberEvent change)
    {
        switch (change.Kind)
        {
            case MemberEventKind.Dead or MemberEventKind.Left:
                Interlocked.Increment(ref _deadEvents);
                deadAt.TryAdd(change.Member.Name, NowMs);
                break;
            case MemberEventKind.Suspect:
                Interlocked.Increment(ref _suspectEvents);
                if (change.Member.Name.StartsWith("go-", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _suspectEventsOfGo);
                }

                break;
            case MemberEventKind.Join:
                deadAt.TryRemove(change.Member.Name, out _);
                break;
        }
    }

    private bool OursConverged(int total)
    {
        var wanted = Math.Min(3, _nodes.Count - 1);
        return _nodes.All(node => node.Members.Count(m => m.State == MemberState.Alive) == total
                                  && node.EagerPeers.Count + node.LazyPeers.Count >= wanted);
    }

    private async Task<bool> GoConvergedAsync(int total, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var pending = _go.ToList();
        while (pending.Count > 0)
        {
            var next = new List<GoPeer>();
            foreach (var peer in pending)
            {
                var members = await peer.MembersAsync(cancellationToken).ConfigureAwait(false);
                if (members.Count(m => m.State == "alive") != total)
                {
                    next.Add(peer);
                    if (settings.Progress)
                    {
                        await Console.Error.WriteLineAsync($"{clock.Elapsed.TotalSeconds:F1}s {peer.Name}: {members.Count(m => m.State == "alive")} alive of {total}, {members.Count} known; missing {string.Join(',', Missing(members.Select(m => m.Name)).Take(5))}").ConfigureAwait(false);
                    }
                }
            }

            pending = next;
            if (pending.Count > 0)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(settings.FormTimeout))
                {
                    return false;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    private async Task<bool> UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        while (!condition())
        {
            if (settings.Progress && clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
            {
                lastProgress = clock.Elapsed;
                var counts = _nodes.Select(node => node.Members.Count(m => m.State == MemberState.Alive)).ToList();
                var worst = _nodes[counts.IndexOf(counts.Min())];
                await Console.Error.WriteLineAsync($"{clock.Elapsed.TotalSeconds:F1}s ours: alive min {counts.Min()} max {counts.Max()}; {worst.Name} misses {string.Join(',', Missing(worst.Members.Where(m => m.State == MemberState.Alive).Select(m => m.Name)).Take(5))}; peers min {_nodes.Min(node => node.EagerPeers.Count + node.LazyPeers.Count)}").ConfigureAwait(false);
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(settings.FormTimeout))
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>CPU of this process (per our node) and of every Go peer over <paramref name="body"/>, and memory after it.</summary>
    private async Task<JsonObject> MeasureWindowAsync(Func<Task> body, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessId;
        var load = ProcFs.LoadAverage();
        var goBefore = _go.Select(peer => ProcFs.Cpu(peer.Pid)?.Self ?? double.NaN).ToList();
        var oursBefore = ProcFs.Cpu(self)!.Value.Self;
        var udpBefore = _nodes.Sum(node => node.MemberlistTransport?.Counters.DatagramsOut ?? 0);
        var suspectsBefore = Interlocked.Read(ref _suspectEvents);
        var suspectsOfGoBefore = Interlocked.Read(ref _suspectEventsOfGo);
        var deathsBefore = Interlocked.Read(ref _deadEvents);
        var clock = Stopwatch.StartNew();
        await body().ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var ours = ProcFs.Cpu(self)!.Value.Self - oursBefore;
        var go = _go.Select((peer, i) => (ProcFs.Cpu(peer.Pid)?.Self ?? double.NaN) - goBefore[i]).ToList();
        var udp = _nodes.Sum(node => node.MemberlistTransport?.Counters.DatagramsOut ?? 0) - udpBefore;
        var status = ProcFs.Status(self);
        var goStatus = _go.Select(peer => ProcFs.Status(peer.Pid)).Where(s => s is not null).Select(s => s!.Value).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        var goPerNode = go.Count == 0 ? double.NaN : go.Average() / seconds;
        var oursPerNode = ours / _nodes.Count / seconds;
        return new JsonObject
        {
            ["seconds"] = Math.Round(seconds, 2),
            ["load_average_1m_start"] = load,
            ["load_average_1m_end"] = ProcFs.LoadAverage(),
            ["ours_process_cpu_s"] = Math.Round(ours, 3),
            ["ours_cpu_ms_per_node_per_s"] = Math.Round(oursPerNode * 1000, 4),
            ["go_cpu_s"] = new JsonArray(go.Select(c => (JsonNode?)Math.Round(c, 3)).ToArray()),
            ["go_cpu_ms_per_node_per_s"] = go.Count == 0 ? null : Math.Round(goPerNode * 1000, 4),
            ["go_cpu_ms_per_node_per_s_min"] = go.Count == 0 ? null : Math.Round(go.Min() / seconds * 1000, 4),
            ["go_cpu_ms_per_node_per_s_max"] = go.Count == 0 ? null : Math.Round(go.Max() / seconds * 1000, 4),
            ["ours_over_go"] = go.Count == 0 || !(goPerNode > 0) ? null : Math.Round(oursPerNode / goPerNode, 3),
            ["ours_udp_datagrams_out_per_node_per_s"] = Math.Round(udp / (double)_nodes.Count / seconds, 2),
            ["suspect_events_at_ours"] = Interlocked.Read(ref _suspectEvents) - suspectsBefore,
            ["suspect_events_at_ours_of_go_peers"] = Interlocked.Read(ref _suspectEventsOfGo) - suspectsOfGoBefore,
            ["dead_events_at_ours"] = Interlocked.Read(ref _deadEvents) - deathsBefore,
            ["ours_rss_mb"] = status is { } s ? Math.Round(s.RssMb, 1) : null,
            ["ours_rss_mb_per_node"] = status is { } s2 ? Math.Round(s2.RssMb / _nodes.Count, 2) : null,
            ["ours_threads"] = status?.Threads,
            ["go_rss_mb_mean"] = goStatus.Count == 0 ? null : Math.Round(goStatus.Average(x => x.RssMb), 1),
            ["go_threads_mean"] = goStatus.Count == 0 ? null : Math.Round(goStatus.Average(x => x.Threads), 1),
        };
    }

    /// <summary>Waits until every one of our live nodes and every given Go peer declared <paramref name="victim"/> dead.</summary>
    private async Task<JsonObject> DetectionAsync(string victim, long killedAtMs, int ourObservers, IReadOnlyList<GoPeer> goObservers, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var ours = _nodes.Select((node, i) => (node, i)).Where(x => x.node.Name != victim && x.node.IsJoined).Select(x => _deadAt[x.i]).ToList();
        bool Done() => ours.All(d => d.ContainsKey(victim)) && goObservers.All(p => p.DeadAtMs(victim) is not null);
        while (!Done() && clock.Elapsed < TimeSpan.FromSeconds(settings.DetectTimeout))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        var oursTimes = ours.Select(d => d.TryGetValue(victim, out var at) ? (double?)(at - killedAtMs) : null).ToList();
        var goTimes = goObservers.Select(p => p.DeadAtMs(victim) is { } at ? (double?)(at - killedAtMs) : null).ToList();
        return new JsonObject
        {
            ["victim"] = victim,
            ["ours"] = Summary(oursTimes, ourObservers),
            ["go"] = Summary(goTimes, goObservers.Count),
        };
    }

    private static JsonObject Summary(List<double?> times, int observers)
    {
        var seen = times.Where(t => t is not null).Select(t => t!.Value).Order().ToList();
        return new JsonObject
        {
            ["observers"] = observers,
            ["declared_dead"] = seen.Count,
            ["first_ms"] = seen.Count == 0 ? null : seen[0],
            ["p50_ms"] = seen.Count == 0 ? null : Percentile(seen, 0.5),
            ["max_ms"] = seen.Count == 0 ? null : seen[^1],
            ["all_ms"] = seen.Count == observers && seen.Count > 0 ? seen[^1] : null,
        };
    }

    private async Task<int> SendAtRateAsync(int first, TimeSpan duration, CancellationToken cancellationToken)
    {
        var payload = new byte[Math.Max(8, settings.Payload)];
        var clock = Stopwatch.StartNew();
        var sequence = first;
        while (clock.Elapsed < duration)
        {
            var due = first + (long)(clock.Elapsed.TotalSeconds * settings.Rate);
            while (sequence < due && sequence < _tracker.Capacity)
            {
                BitConverter.TryWriteBytes(payload, sequence);
                _tracker.Sent(sequence);
                await _nodes[_random.Next(_nodes.Count)].BroadcastAsync(payload, cancellationToken).ConfigureAwait(false);
                sequence++;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken).ConfigureAwait(false);
        }

        return sequence;
    }

    private async Task DrainAsync(int first, int end, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < DrainLimit && !_tracker.AllDelivered(first, end))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    private (long Gossip, long IHave, long Graft, long Prune, long Duplicates) BroadcastTotals()
    {
        long gossip = 0, ihave = 0, graft = 0, prune = 0, duplicates = 0;
        foreach (var node in _nodes)
        {
            var b = node.BroadcastCounters;
            gossip += Volatile.Read(ref b.GossipSent);
            ihave += Volatile.Read(ref b.IHaveSent);
            graft += Volatile.Read(ref b.GraftSent);
            prune += Volatile.Read(ref b.PruneSent);
            duplicates += Volatile.Read(ref b.Duplicates);
        }

        return (gossip, ihave, graft, prune, duplicates);
    }

    private JsonObject BroadcastReport(
        int first,
        int end,
        (long Gossip, long IHave, long Graft, long Prune, long Duplicates) before,
        (long Gossip, long IHave, long Graft, long Prune, long Duplicates) after,
        JsonObject window)
    {
        var n = _nodes.Count;
        var messages = end - first;
        long deliveries = 0;
        var complete = 0;
        var times = new List<double>(messages);
        var ldh = 0;
        for (var s = first; s < end; s++)
        {
            var count = _tracker.Count(s);
            deliveries += count;
            ldh = Math.Max(ldh, _tracker.MaxHop(s));
            if (count == n)
            {
                complete++;
                times.Add(_tracker.TimeToAll(s).TotalMilliseconds);
            }
        }

        times.Sort();
        var gossip = after.Gossip - before.Gossip;
        return new JsonObject
        {
            ["messages"] = messages,
            ["delivery_ratio"] = Math.Round(messages == 0 ? 0 : (double)deliveries / ((long)messages * n), 6),
            ["messages_delivered_to_all"] = complete,
            ["time_to_all_ms"] = new JsonObject
            {
                ["p50"] = Math.Round(Percentile(times, 0.50), 2),
                ["p99"] = Math.Round(Percentile(times, 0.99), 2),
                ["max"] = Math.Round(times.Count == 0 ? 0 : times[^1], 2),
            },
            ["rmr"] = Math.Round(messages == 0 ? 0 : ((double)gossip / ((long)messages * (n - 1))) - 1, 4),
            ["ldh_max"] = ldh,
            ["frames"] = new JsonObject
            {
                ["gossip"] = gossip,
                ["ihave_entries"] = after.IHave - before.IHave,
                ["graft"] = after.Graft - before.Graft,
                ["prune"] = after.Prune - before.Prune,
                ["duplicates"] = after.Duplicates - before.Duplicates,
            },
            ["window"] = window,
        };
    }

    private IEnumerable<string> Missing(IEnumerable<string> seen)
    {
        var set = seen.ToHashSet(StringComparer.Ordinal);
        return _nodes.Select(node => node.Name).Concat(_go.Select(peer => peer.Name)).Where(name => !set.Contains(name));
    }

    private static double Ms(TimeSpan span) => Math.Round(span.TotalMilliseconds, 0);

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Runs the verb; returns the process exit code.</summary>
    public static async Task<int> MainAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ScaleSettings parsed;
        try
        {
            parsed = ScaleSettings.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 2;
        }

        var result = await new ScaleBenchmark(parsed).RunAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return result["error"] is null ? 0 : 1;
    }
}
