using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Threading.Channels;
using Plumtree.Membership;

namespace Plumtree.FailureDetectionBench;

/// <summary>
/// A cluster of healthy nodes (this process) plus one starved node (a child process) that is frozen with
/// SIGSTOP and thawed with SIGCONT on a random schedule for the length of the run; counts false positives:
/// suspicions and deaths of nodes that never failed.
/// </summary>
internal static class StarvationExperiment
{
    private const string StarvedName = "starved";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public static async Task<object> RunAsync(BenchSettings settings, bool awareness)
    {
        var awarenessMax = awareness ? MembershipOptions.Lan.AwarenessMaxMultiplier : 1;
        var clock = Stopwatch.StartNew();
        var events = new MemberEvents(clock, settings.Verbose);
        var names = Enumerable.Range(0, settings.Nodes - 1).Select(i => $"h{i}").ToList();
        await using var cluster = await LocalCluster.StartAsync(names, settings.Profile, awarenessMax, settings.Seed * 7919, events);
        await using var child = ChildProcess.Start(StarvedChild.Arguments(StarvedName, settings.Profile, awarenessMax, settings.Seed * 7919 + 999, cluster.EndPoints, settings.LagMaxMs));
        Console.Error.WriteLine($"[fd-bench] {clock.Elapsed.TotalSeconds:0.0} s: {names.Count} healthy nodes up, starting the starved node");
        await child.ExpectAsync("ready");
        await cluster.UntilAllSeeAliveAsync([.. names, StarvedName], "the healthy nodes see the starved node alive");
        for (var attempt = 0; ; attempt++)
        {
            await child.SendAsync("status");
            var status = await child.ExpectAsync("alive");
            if (status.GetProperty("alive").GetInt32() == settings.Nodes)
            {
                break;
            }

            if (attempt > 900)
            {
                throw new TimeoutException("The starved node never saw the whole cluster alive.");
            }

            await Task.Delay(100);
        }

        Console.Error.WriteLine($"[fd-bench] {clock.Elapsed.TotalSeconds:0.0} s: cluster of {settings.Nodes} converged");
        await child.SendAsync("mark");
        await child.ExpectAsync("marked");
        var healthyBefore = cluster.Nodes.Select(n => n.MembershipTotals).ToList();
        var start = clock.Elapsed;
        Console.Error.WriteLine($"[fd-bench] starved run ({(awareness ? "with" : "without")} awareness, max multiplier {awarenessMax}) for {settings.Seconds} s ...");

        // The starvation schedule: run for a while, freeze for a while, until the run is over.
        var random = new Random(settings.Seed);
        var stops = 0;
        var stopped = TimeSpan.Zero;
        var longest = TimeSpan.Zero;
        var end = start + TimeSpan.FromSeconds(settings.Seconds);
        while (clock.Elapsed < end)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(settings.RunMinMs, settings.RunMaxMs + 1)));
            var stall = TimeSpan.FromMilliseconds(random.Next(settings.StallMinMs, settings.StallMaxMs + 1));
            var remaining = end - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            stall = stall < remaining ? stall : remaining;
            var frozenAt = clock.Elapsed;
            child.Signal(Posix.SigStop);
            try
            {
                await Task.Delay(stall);
            }
            finally
            {
                child.Signal(Posix.SigCont);
            }

            var frozen = clock.Elapsed - frozenAt;
            stops++;
            stopped += frozen;
            longest = frozen > longest ? frozen : longest;
        }

        // Let suspicions raised in the last moments resolve (refuted or declared dead) before counting.
        var runEnd = clock.Elapsed;
        await Task.Delay(Settle);
        var windowEnd = clock.Elapsed;

        await child.SendAsync("report");
        var report = await child.ExpectAsync("probes");
        var healthyAfter = cluster.Nodes.Select(n => n.MembershipTotals).ToList();

        var healthySet = names.ToHashSet(StringComparer.Ordinal);
        // Member events in the window, as every node logged them: the healthy ones here, the starved one in its report.
        var seenByHealthy = events.Events.Where(e => e.At >= start && e.At <= windowEnd && healthySet.Contains(e.Observer)).ToList();
        var seenByStarved = report.GetProperty("events").EnumerateArray()
            .Select(e => (Member: e.GetProperty("member").GetString()!, Kind: e.GetProperty("kind").GetString()!, Incarnation: e.GetProperty("incarnation").GetUInt32()))
            .ToList();
        var all = seenByHealthy.Select(e => (Observer: e.Observer, e.Member, Kind: e.Kind.ToString(), e.Incarnation))
            .Concat(seenByStarved.Select(e => (Observer: StarvedName, e.Member, e.Kind, e.Incarnation)))
            .ToList();

        object Tally(Func<string, bool> target) => new
        {
            suspect_events = all.Count(e => e.Kind == nameof(MemberEventKind.Suspect) && target(e.Member)),
            suspect_incidents = all.Where(e => e.Kind == nameof(MemberEventKind.Suspect) && target(e.Member)).Select(e => (e.Member, e.Incarnation)).Distinct().Count(),
            dead_events = all.Count(e => e.Kind == nameof(MemberEventKind.Dead) && target(e.Member)),
            dead_incidents = all.Where(e => e.Kind == nameof(MemberEventKind.Dead) && target(e.Member)).Select(e => (e.Member, e.Incarnation)).Distinct().Count(),
        };

        long Sum(Func<Node.MembershipTotals, long> read) => healthyAfter.Zip(healthyBefore).Sum(p => read(p.First) - read(p.Second));

        return new
        {
            awareness,
            awareness_max_multiplier = awarenessMax,
            seconds = Math.Round((runEnd - start).TotalSeconds, 1),
            stops,
            stopped_fraction = Math.Round(stopped / (runEnd - start), 3),
            longest_stop_s = Math.Round(longest.TotalSeconds, 3),
            // A suspicion incident is one (member, incarnation) suspected anywhere; a refutation ends it with
            // a higher incarnation. Events count every node that marked it (own probe or gossip).
            false_positives_about_starved_node = Tally(m => m == StarvedName),
            false_positives_about_healthy_nodes = Tally(m => m != StarvedName),
            starved_node = new
            {
                probes = report.GetProperty("probes").GetInt64(),
                probe_failures = report.GetProperty("probe_failures").GetInt64(),
                refutes = report.GetProperty("refutes").GetInt64(),
                health_score_mean = report.GetProperty("health_mean").GetDouble(),
                health_score_max = report.GetProperty("health_max").GetInt32(),
            },
            healthy_nodes = new
            {
                probes = Sum(t => t.Probes),
                probe_failures = Sum(t => t.ProbeFailures),
                refutes = Sum(t => t.Refutes),
            },
        };
    }

    /// <summary>The starved node's process: JSON lines in, commands out, signals by PID.</summary>
    private sealed class ChildProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();

        private ChildProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line && line[0] == '{')
                {
                    _lines.Writer.TryWrite(JsonDocument.Parse(line).RootElement.Clone());
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    Console.Error.WriteLine("[starved] " + line);
                }
            };
        }

        public static ChildProcess Start(string[] arguments)
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
            var info = new ProcessStartInfo(self)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            }

            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = info };
            var child = new ChildProcess(process);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        public void Signal(int signal) => Posix.Signal(_process.Id, signal);

        public async Task SendAsync(string command)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
        }

        /// <summary>The next JSON line that has <paramref name="property"/> (others are skipped).</summary>
        public async Task<JsonElement> ExpectAsync(string property)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(timeout.Token);
                if (line.TryGetProperty(property, out _))
                {
                    return line;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            Signal(Posix.SigCont);
            if (!_process.HasExited)
            {
                try
                {
                    await SendAsync("quit");
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception e) when (e is TimeoutException or IOException)
                {
                    Signal(Posix.SigKill);
                }
            }

            _process.Dispose();
        }
    }
}
