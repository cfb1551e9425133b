using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Plumtree.Broadcast;
using Plumtree.Simulator.Cli;
using Plumtree.Simulator.Metrics;
using Plumtree.Simulator.Output;

namespace Plumtree.Simulator.Report;

/// <summary>Settings of a report run.</summary>
internal sealed record ReportOptions
{
    public required string OutDir { get; init; }

    public int Seeds { get; init; } = 5;

    public int Nodes { get; init; } = 10_000;

    public int Cycles { get; init; } = 250;

    public int Warmup { get; init; } = 50;

    /// <summary>Kill runs stop this many cycles after the failure (healing takes at most a few).</summary>
    public int KillCycles { get; init; } = 10;

    public int Parallel { get; init; } = 1;

    public IReadOnlyList<string> Scenarios { get; init; } = ["stable", "churn", "kill", "event", "loss"];

    /// <summary>Frame-loss section: per-frame loss percentages tried.</summary>
    public IReadOnlyList<int> LossPercents { get; init; } = [5, 10];

    /// <summary>Frame-loss section: cycles per run (null: the smaller of 100 and <see cref="Cycles"/>); warm-up as the stable runs.</summary>
    public int? LossCycles { get; init; }

    /// <summary>Frame-loss section: the protocol variants run (those also in <see cref="Variants"/>; the eager control has no grafts).</summary>
    public IReadOnlyList<Variant> LossVariants { get; init; } = [Variant.OptSingle];

    /// <summary>Event-mode section: graft timeout1 values tried (timeout2 = half).</summary>
    public IReadOnlyList<int> EventGraftTimeoutsMs { get; init; } = [200, 500, 1000];

    /// <summary>Event-mode section: cycles (broadcasts) per run.</summary>
    public int EventCycles { get; init; } = 60;

    public IReadOnlyList<int> KillPercents { get; init; } = PaperAnchors.KillPercents;

    public IReadOnlyList<Variant> Variants { get; init; } = PaperAnchors.Variants;
}

/// <summary>
/// One cell of the suite: a scenario, a protocol variant and a parameter (kill: the percentage; event: graft timeout1
/// in ms; loss: the per-frame loss percentage, with <paramref name="RepairRounds"/> the engine's GraftRepairRounds).
/// </summary>
internal sealed record RunKey(string Scenario, Variant Variant, int Percent, int? RepairRounds = null);

/// <summary>
/// Runs the paper's suite (stable s-s/m-s with optimisation on and off plus the flood control, churn,
/// and one-shot kills of 10–95%, each over several seeds) plus event mode and frame loss with the engine's
/// graft repair rounds on and off (not in the paper), saves every run's JSON under DIR/runs and
/// writes DIR/report.md with the paper's numbers beside ours and hand-written SVG plots.
/// </summary>
internal sealed partial class ReportSuite(ReportOptions options, TextWriter log)
{
    private readonly ConcurrentDictionary<RunKey, SimResult[]> _results = new();
    private double _wallTotal;

    public int Run()
    {
        Directory.CreateDirectory(options.OutDir);
        var runsDir = Path.Combine(options.OutDir, "runs");
        Directory.CreateDirectory(runsDir);

        var jobs = new List<(RunKey Key, int Seed, SimConfig Config)>();
        foreach (var scenario in options.Scenarios)
        {
            var percents = scenario switch
            {
                "kill" => options.KillPercents,
                "event" => options.EventGraftTimeoutsMs,
                "loss" => options.LossPercents,
                _ => [0],
            };
            foreach (var percent in percents)
            {
                foreach (var variant in options.Variants)
                {
                    if (scenario == "loss")
                    {
                        if (options.LossVariants.Contains(variant))
                        {
                            foreach (var rounds in LossRepairRounds)
                            {
                                AddJobs(new RunKey(scenario, variant, percent, rounds));
                            }
                        }

                        continue;
                    }

                    if (scenario == "event" && variant is not (Variant.Eager or Variant.OptMany))
                    {
                        continue; // the event-mode section compares the eager control with Plumtree-Opt m-s only
                    }

                    if (scenario == "event" && variant == Variant.Eager && percent != percents[0])
                    {
                        continue; // flood has no graft timer: one set of runs
                    }

                    AddJobs(new RunKey(scenario, variant, percent));
                }
            }
        }

        void AddJobs(RunKey key)
        {
            _results[key] = new SimResult[options.Seeds];
            for (var seed = 1; seed <= options.Seeds; seed++)
            {
                jobs.Add((key, seed, ConfigFor(key, seed)));
            }
        }

        var done = 0;
        var total = Stopwatch.StartNew();
        System.Threading.Tasks.Parallel.ForEach(
            jobs,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallel) },
            job =>
            {
                var result = Runner.Run(job.Config);
                _results[job.Key][job.Seed - 1] = result;
                var name = RunFileName(job.Key, job.Seed);
                File.WriteAllText(Path.Combine(runsDir, name), ResultJson.Write(result, indented: true));
                var n = Interlocked.Increment(ref done);
                lock (log)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{n}/{jobs.Count}] {name}: {result.WallSeconds:F1} s"));
                }
            });
        _wallTotal = total.Elapsed.TotalSeconds;

        var markdown = WriteMarkdown();
        File.WriteAllText(Path.Combine(options.OutDir, "report.md"), markdown);
        log.WriteLine($"report: wrote {Path.Combine(options.OutDir, "report.md")}");
        return 0;
    }

    private SimConfig ConfigFor(RunKey key, int seed)
    {
        var config = new SimConfig
        {
            Nodes = options.Nodes,
            Cycles = options.Cycles,
            Warmup = options.Warmup,
            Seed = seed,
        };
        config = key.Scenario switch
        {
            "churn" => config with { Scenario = Scenario.Churn, ChurnPerCycle = ChurnPerCycle },
            "kill" => config with { Scenario = Scenario.Kill, KillPercent = key.Percent, Cycles = options.Warmup + options.KillCycles },
            "event" => config with
            {
                Scenario = Scenario.Stable,
                EventMode = true,
                LatencyMinMs = 10,
                LatencyMaxMs = 100,
                Rate = 2,
                Cycles = options.EventCycles,
                Warmup = Math.Min(10, options.EventCycles - 1),
                GraftTimeoutMs = key.Percent,
                GraftRetryTimeoutMs = key.Percent / 2.0,
            },
            "loss" => config with
            {
                Scenario = Scenario.Stable,
                Cycles = LossCycles,
                Warmup = Math.Min(options.Warmup, LossCycles - 1),
                Loss = key.Percent / 100.0,
                GraftRepairRounds = key.RepairRounds,
            },
            _ => config with { Scenario = Scenario.Stable },
        };
        return PaperAnchors.Apply(config, key.Variant);
    }

    /// <summary>The name of a run's JSON under runs/, e.g. <c>kill-20-opt-ss-seed1.json</c> or <c>loss-10-rounds3-opt-ss-seed1.json</c>.</summary>
    internal static string RunFileName(RunKey key, int seed) => string.Create(
        CultureInfo.InvariantCulture,
        $"{key.Scenario}{(key.Percent > 0 ? "-" + key.Percent : string.Empty)}{(key.RepairRounds is { } rounds ? "-rounds" + rounds : string.Empty)}-{PaperAnchors.Slug(key.Variant)}-seed{seed}.json");

    /// <summary>Frame-loss section: the engine's default GraftRepairRounds (rounds on) and 0 (rounds off).</summary>
    private static int[] LossRepairRounds => [BroadcastOptions.Paper(false).GraftRepairRounds, 0];

    /// <summary>Frame-loss section: cycles per run.</summary>
    private int LossCycles => Math.Max(1, options.LossCycles ?? Math.Min(100, options.Cycles));

    /// <summary>The paper's 50 kills per cycle at 10,000 nodes (half the nodes over 100 cycles), scaled to the node count.</summary>
    private int ChurnPerCycle => Math.Max(1, (int)Math.Round(50.0 * options.Nodes / 10_000, MidpointRounding.AwayFromZero));

    private bool Has(RunKey key) => _results.TryGetValue(key, out var runs) && runs.All(r => r is not null);

    private IReadOnlyList<SimResult> Runs(RunKey key) => _results[key];

    private List<RunSummary> Summaries(RunKey key) => [.. Runs(key).Select(RunSummary.From)];

    /// <summary>Per-cycle mean over seeds of a per-cycle value (NaN where no seed has a value).</summary>
    private double[] SeriesMean(RunKey key, Func<CycleRecord, double?> selector)
    {
        var runs = Runs(key);
        var cycles = runs.Min(r => r.Records.Count);
        var series = new double[cycles];
        for (var c = 0; c < cycles; c++)
        {
            var values = runs.Select(r => selector(r.Records[c])).Where(v => v.HasValue).Select(v => v!.Value).ToList();
            series[c] = values.Count > 0 ? values.Average() : double.NaN;
        }

        return series;
    }
}
