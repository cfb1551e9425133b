using System.Text.Json;
using Plumtree.FailureDetectionBench;
using Plumtree.Membership;

// plumtree-fd-bench: failure-detection figures for a loopback cluster of our nodes (see BenchSettings.Usage).
if (args.Length > 0 && args[0] == StarvedChild.Flag)
{
    return await StarvedChild.RunAsync(args[1..]);
}

BenchSettings settings;
try
{
    if (args.Contains("--help"))
    {
        Console.Out.WriteLine(BenchSettings.Usage);
        return 0;
    }

    settings = BenchSettings.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}

var preset = MembershipOptions.FromPreset(settings.Profile);
var detection = new List<DetectionRun>();
for (var run = 0; run < settings.DetectionRuns; run++)
{
    Console.Error.WriteLine($"[fd-bench] detection run {run + 1}/{settings.DetectionRuns} ...");
    detection.Add(await DetectionExperiment.RunAsync(settings, run));
    Console.Error.WriteLine($"[fd-bench]   {detection[^1]}");
}

var starved = new List<object>();
if (settings.Seconds > 0)
{
    if (settings.Variants is "both" or "aware")
    {
        starved.Add(await StarvationExperiment.RunAsync(settings, awareness: true));
    }

    if (settings.Variants is "both" or "unaware")
    {
        starved.Add(await StarvationExperiment.RunAsync(settings, awareness: false));
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : Math.Round((sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2, 3);
}

var result = new
{
    bench = "plumtree-fd-bench",
    profile = settings.Profile,
    nodes = settings.Nodes,
    processes = "detection: all nodes in this process; starvation: healthy nodes in this process, the starved node in a child process",
    membership = new
    {
        probe_interval_ms = preset.ProbeInterval.TotalMilliseconds,
        probe_timeout_ms = preset.ProbeTimeout.TotalMilliseconds,
        indirect_checks = preset.IndirectChecks,
        suspicion_mult = preset.SuspicionMult,
        suspicion_max_timeout_mult = preset.SuspicionMaxTimeoutMult,
        gossip_interval_ms = preset.GossipInterval.TotalMilliseconds,
        gossip_nodes = preset.GossipNodes,
    },
    detection = new
    {
        runs = detection.Select(d => new
        {
            first_suspicion_s = d.FirstSuspicionS,
            first_dead_s = d.FirstDeadS,
            all_dead_s = d.AllDeadS,
            suspicion_to_first_dead_s = d.SuspicionToFirstDeadS,
            observers = d.Observers,
        }),
        median_first_suspicion_s = Median(detection.Select(d => d.FirstSuspicionS)),
        median_first_dead_s = Median(detection.Select(d => d.FirstDeadS)),
        median_all_dead_s = Median(detection.Select(d => d.AllDeadS)),
        formula = DetectionExperiment.Formula(settings),
    },
    starvation = new
    {
        model = "the starved node runs in its own process, frozen with SIGSTOP and thawed with SIGCONT on a seeded random schedule "
                + $"(run {settings.RunMinMs}-{settings.RunMaxMs} ms, then frozen {settings.StallMinMs}-{settings.StallMaxMs} ms, uniform): "
                + "all its threads (loop, sockets, timers, TCP ping replies) stop, as when the scheduler gives it no CPU; the kernel keeps queueing its datagrams. "
                + $"While it runs, its message processing is slow: every datagram and stream dial it sends leaves 0-{settings.LagMaxMs} ms late (uniform, "
                + "through the transport's fault-injection hook), so its own probes see late acks and everyone sees its acks late",
        lag_max_ms = settings.LagMaxMs,
        seconds_per_variant = settings.Seconds,
        notes = "awareness off = AwarenessMaxMultiplier 1 on every node; probe_failures = probes with no ack at all, each one a suspicion raised by that node; "
                + "incidents = distinct (member, incarnation) suspected or declared dead anywhere; events = every node's own record of it (own probe or gossip); "
                + "every member is live, so every suspicion and death counted is a false positive",
        seed = settings.Seed,
        variants = starved,
    },
};

Console.Out.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
return 0;
