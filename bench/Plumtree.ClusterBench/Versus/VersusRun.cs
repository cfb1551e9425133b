using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Plumtree.ClusterBench.Versus;

/// <summary>
/// <c>versus-run</c>: one system, inside a network namespace of its own (the orchestrator starts it under
/// <c>unshare -n</c>): brings <c>lo</c> up, starts the agents, measures start-up, convergence, idle CPU and RSS, runs
/// the workload, waits for deliveries, measures again, kills its agents by PID and prints one JSON object.
/// </summary>
internal sealed class VersusRun(VersusSettings settings, AgentSystem system, string workDir, string handler)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private readonly List<Process> _agents = [];
    private readonly List<double> _load = [];
    private readonly string _outFile = Path.Combine(workDir, "deliveries.txt");

    public async Task<JsonObject> RunAsync(CancellationToken cancellationToken)
    {
        var result = new JsonObject { ["system"] = system.Name };
        using var loadSampler = new Timer(_ => { lock (_load) { _load.Add(ProcFs.LoadAverage()); } }, null, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        try
        {
            Exec("ip", "link", "set", "lo", "up");
            await MeasureAsync(result, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            result["error"] = e.GetType().Name + ": " + e.Message;
        }
        finally
        {
            StopAgents();
            lock (_load)
            {
                result["load_average_1m"] = new JsonObject
                {
                    ["mean"] = Round(_load.DefaultIfEmpty().Average(), 2),
                    ["max"] = Round(_load.DefaultIfEmpty().Max(), 2),
                    ["samples"] = _load.Count,
                };
            }
        }

        return result;
    }

    private async Task MeasureAsync(JsonObject result, CancellationToken cancellationToken)
    {
        var n = settings.Nodes;

        // Start-up: the seed alone, then every joiner at once.
        var startup = new double[n];
        startup[0] = await StartAndWaitAsync(0, cancellationToken);
        var joinersStarted = Stopwatch.StartNew();
        var waits = Enumerable.Range(1, n - 1).Select(i => StartAndWaitAsync(i, cancellationToken)).ToList();
        for (var i = 1; i < n; i++)
        {
            startup[i] = await waits[i - 1];
        }

        // Convergence: every node lists all n alive.
        var converged = false;
        var deadline = TimeSpan.FromSeconds(Math.Max(60, settings.IdleAfter));
        while (joinersStarted.Elapsed < deadline)
        {
            var counts = await Task.WhenAll(Enumerable.Range(0, n).Select(i => system.AliveAsync(i, cancellationToken)));
            if (counts.All(c => c == n))
            {
                converged = true;
                break;
            }

            await Task.Delay(Poll * 5, cancellationToken);
        }

        var convergence = joinersStarted.Elapsed.TotalMilliseconds;
        result["startup_ms"] = Summary(startup);
        result["convergence_ms"] = converged ? Round(convergence, 0) : null;
        result["converged"] = converged;
        Log($"{system.Name}: started (p50 {Percentile(startup, 0.5):F0} ms), converged={converged} after {convergence:F0} ms");

        // Idle: CPU over a window that starts IdleAfter seconds after the joiners started.
        var idleStart = TimeSpan.FromSeconds(settings.IdleAfter) - joinersStarted.Elapsed;
        if (idleStart > TimeSpan.Zero)
        {
            await Task.Delay(idleStart, cancellationToken);
        }

        var before = CpuAll();
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(settings.IdleWindow), cancellationToken);
        var after = CpuAll();
        var idleSeconds = window.Elapsed.TotalSeconds;
        var idleCpu = after.Self.Zip(before.Self, (a, b) => (a - b) / idleSeconds).ToArray();
        var idleStatus = StatusAll();
        result["idle"] = new JsonObject
        {
            ["after_s"] = settings.IdleAfter,
            ["window_s"] = Round(idleSeconds, 2),
            ["cpu_core_per_node"] = Round(idleCpu.Average(), 5),
            ["cpu_core_per_node_max"] = Round(idleCpu.Max(), 5),
            ["rss_mb_per_node"] = Round(idleStatus.Average(s => s.RssMb), 1),
            ["rss_mb_max"] = Round(idleStatus.Max(s => s.RssMb), 1),
            ["pss_mb_per_node"] = Round(idleStatus.Average(s => s.PssMb), 1),
            ["threads_per_node"] = Round(idleStatus.Average(s => s.Threads), 1),
        };
        Log($"{system.Name}: idle {idleCpu.Average():F4} core/node, RSS {idleStatus.Average(s => s.RssMb):F1} MB");

        await WorkloadAsync(result, cancellationToken);

        if (settings.Settle > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(settings.Settle), cancellationToken);
            var settled = StatusAll();
            ((JsonObject)result["rss_mb"]!)["settled_per_node"] = Round(settled.Average(s => s.RssMb), 1);
            ((JsonObject)result["rss_mb"]!)["settled_after_s"] = settings.Settle;
        }
    }

    private async Task WorkloadAsync(JsonObject result, CancellationToken cancellationToken)
    {
        var n = settings.Nodes;
        var random = new Random(settings.Seed);
        var sentAt = new Dictionary<int, long>();
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        var lo0 = ProcFs.LoopbackTxBytes();
        var cpu0 = CpuAll();
        var clock = Stopwatch.StartNew();
        for (var id = 0; id < settings.Messages; id++)
        {
            var due = TimeSpan.FromSeconds(id / settings.Rate) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            var payload = Payload(id, settings.Payload);
            var from = random.Next(n);
            var at = NowNs();
            var error = await system.SendAsync(from, payload, cancellationToken);
            if (error is null)
            {
                sentAt[id] = at;
            }
            else
            {
                errors[error] = errors.GetValueOrDefault(error) + 1;
            }
        }

        var sendSeconds = clock.Elapsed.TotalSeconds;
        var expected = sentAt.Count * n;
        var drainEnd = clock.Elapsed + TimeSpan.FromSeconds(settings.Drain);
        var records = ReadDeliveries();
        while (records.Select(r => (r.Node, r.Id)).Distinct().Count() < expected && clock.Elapsed < drainEnd)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            records = ReadDeliveries();
        }

        var runSeconds = clock.Elapsed.TotalSeconds;

        // Handlers still running are waited for (their CPU lands in cutime when the agent reaps them).
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        var cpu1 = CpuAll();
        var lo1 = ProcFs.LoopbackTxBytes();
        var status = StatusAll();
        records = ReadDeliveries();

        var sent = records.Where(r => sentAt.ContainsKey(r.Id)).ToList();
        var distinct = sent.GroupBy(r => (r.Node, r.Id)).ToList();
        var delivered = distinct.Count;
        var duplicates = distinct.Sum(g => g.Count() - 1);
        var timeToAll = sent.GroupBy(r => r.Id)
            .Where(g => g.Select(r => r.Node).Distinct(StringComparer.Ordinal).Count() == n)
            .Select(g => g.GroupBy(r => r.Node, StringComparer.Ordinal).Max(h => h.Min(r => r.AtNs)) - sentAt[g.Key])
            .Select(ns => ns / 1e6)
            .ToArray();
        var agentsCpu = cpu1.Self.Zip(cpu0.Self, (a, b) => a - b).Sum();
        var handlersCpu = cpu1.Children.Zip(cpu0.Children, (a, b) => a - b).Sum();
        var loBytes = lo1 - lo0;

        result["delivery"] = new JsonObject
        {
            ["sent"] = sentAt.Count,
            ["refused"] = settings.Messages - sentAt.Count,
            ["refusals"] = new JsonObject(errors.Select(e => KeyValuePair.Create(Truncate(e.Key, 200), (JsonNode?)e.Value))),
            ["expected"] = expected,
            ["delivered"] = delivered,
            ["ratio"] = expected == 0 ? 0 : Round((double)delivered / expected, 4),
            ["of_all_attempted"] = Round((double)delivered / (settings.Messages * n), 4),
            ["duplicates"] = duplicates,
            ["lost"] = expected - delivered,
        };
        result["time_to_all_ms"] = timeToAll.Length == 0 ? null : new JsonObject
        {
            ["p50"] = Round(Percentile(timeToAll, 0.5), 1),
            ["p99"] = Round(Percentile(timeToAll, 0.99), 1),
            ["max"] = Round(timeToAll.Max(), 1),
            ["messages"] = timeToAll.Length,
        };
        result["run"] = new JsonObject { ["send_s"] = Round(sendSeconds, 2), ["window_s"] = Round(runSeconds, 2) };
        result["cpu_s"] = new JsonObject
        {
            ["agents"] = Round(agentsCpu, 2),
            ["handlers"] = Round(handlersCpu, 2),
            ["agents_per_delivered_ms"] = delivered == 0 ? null : Round(agentsCpu * 1000 / delivered, 3),
            ["agents_above_idle"] = Round(agentsCpu - (((JsonObject)result["idle"]!)["cpu_core_per_node"]!.GetValue<double>() * n * (runSeconds + 0.5)), 2),
        };
        result["loopback"] = new JsonObject
        {
            ["tx_bytes"] = loBytes,
            ["per_delivered_payload_byte"] = delivered == 0 ? null : Round((double)loBytes / ((long)delivered * settings.Payload), 3),
        };
        result["rss_mb"] = new JsonObject
        {
            ["after_run_per_node"] = Round(status.Average(s => s.RssMb), 1),
            ["after_run_pss_per_node"] = Round(status.Average(s => s.PssMb), 1),
            ["peak_max"] = Round(status.Max(s => s.PeakMb), 1),
        };
        Log($"{system.Name}: delivered {delivered}/{expected}, p99 {(timeToAll.Length == 0 ? double.NaN : Percentile(timeToAll, 0.99)):F0} ms, agents CPU {agentsCpu:F2} s");
    }

    private async Task<double> StartAndWaitAsync(int index, CancellationToken cancellationToken)
    {
        var (file, args, env) = system.Command(index, settings.Nodes, workDir, handler);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };

        // exec: the agent takes the shell's PID; its output goes to a file (nobody has to drain a pipe).
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >\"$BENCH_LOG\" 2>&1");
        start.ArgumentList.Add(file);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PLUMTREE_", StringComparison.Ordinal) || k.StartsWith("SERF_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }

        start.Environment["BENCH_OUT"] = _outFile;
        start.Environment["BENCH_LOG"] = Path.Combine(workDir, $"{system.Name}-n{index.ToString(CultureInfo.InvariantCulture)}.log");
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        lock (_agents)
        {
            _agents.Add(process);
            File.AppendAllText(Path.Combine(workDir, "pids"), process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        }

        while (!await system.AnswersAsync(index, cancellationToken))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{system.Name} node {index} exited with {process.ExitCode} before answering; see {start.Environment["BENCH_LOG"]}");
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{system.Name} node {index} did not answer within 60 s");
            }

            await Task.Delay(Poll, cancellationToken);
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private void StopAgents()
    {
        lock (_agents)
        {
            foreach (var p in _agents)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }

                p.Dispose();
            }

            _agents.Clear();
        }
    }

    private (double[] Self, double[] Children) CpuAll()
    {
        lock (_agents)
        {
            var cpu = _agents.Select(p => ProcFs.Cpu(p.Id) ?? throw new InvalidOperationException($"{system.Name} agent {p.Id} is gone")).ToList();
            return (cpu.Select(c => c.Self).ToArray(), cpu.Select(c => c.Children).ToArray());
        }
    }

    private List<(double RssMb, double PeakMb, int Threads, double PssMb)> StatusAll()
    {
        lock (_agents)
        {
            return _agents.Select(p => ProcFs.Status(p.Id) ?? throw new InvalidOperationException($"{system.Name} agent {p.Id} is gone")).ToList();
        }
    }

    private List<(string Node, int Id, long AtNs)> ReadDeliveries()
    {
        if (!File.Exists(_outFile))
        {
            return [];
        }

        var list = new List<(string, int, long)>();
        foreach (var line in File.ReadAllLines(_outFile))
        {
            var f = line.Split(' ');
            if (f.Length == 3 && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                list.Add((f[0], id, at));
            }
        }

        return list;
    }

    /// <summary>
    /// "m&lt;id&gt;:" then random bytes up to <paramref name="size"/> (seeded by the id): the handler reads the id from the
    /// first token; the rest does not compress, so neither system's compression (Serf's gossip is LZW-compressed)
    /// makes the bytes-per-payload-byte figure depend on how regular the filler is.
    /// </summary>
    internal static byte[] Payload(int id, int size)
    {
        var head = Encoding.ASCII.GetBytes("m" + id.ToString(CultureInfo.InvariantCulture) + ":");
        var payload = new byte[size];
        new Random(id).NextBytes(payload);
        head.CopyTo(payload, 0);
        return payload;
    }

    private static long NowNs() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;

    private static void Exec(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, UseShellExecute = false }) ?? throw new InvalidOperationException($"cannot run {file}");
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {error.Trim()}");
        }
    }

    internal static JsonObject Summary(double[] values) => new()
    {
        ["p50"] = Round(Percentile(values, 0.5), 0),
        ["max"] = Round(values.Max(), 0),
        ["seed"] = Round(values[0], 0),
    };

    internal static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    internal static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : 0;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    internal static void Log(string message) => Console.Error.WriteLine($"[versus {DateTimeOffset.UtcNow:HH:mm:ss}] {message}");
}
