using System.Globalization;
using System.Text;
using Plumtree.Broadcast;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Report;

/// <summary>The report text: tables (ours beside the paper's) and the SVG plots they reference.</summary>
internal sealed partial class ReportSuite
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private string WriteMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# plumtree-sim: reproduction of the Plumtree paper");
        md.AppendLine();
        md.AppendLine(string.Create(Inv, $"Nodes **{options.Nodes:N0}**, {options.Cycles} cycles (cycles 0–{options.Warmup - 1} warm-up; means over the rest), **{options.Seeds} seeds** per cell (seeds 1–{options.Seeds}), kill runs stop {options.KillCycles} cycles after the failure. Cycle mode as in the paper: failure step → broadcast step (one broadcast, unit link delay, run until nothing is in flight and no graft is pending) → membership step. Overlay degree 5 (flood: a random 5-regular graph repaired by random pairing; Plumtree: the engine's own symmetric peer sets, `BroadcastOptions.Paper`, every link starts eager, unbatched IHave, optimisation threshold {BroadcastOptions.Paper(false).OptimizationThreshold}; many senders: the shortcut must show on {BroadcastOptions.Paper(true).OptimizationConfirmations} consecutive messages from the same parent, `OptimizationConfirmations`, our damping in place of the paper's threshold 7, lifted for {BroadcastOptions.Paper(true).OptimizationRepairWindow.TotalSeconds:0} s after a view change). Paper figures from `performance-anchors.md` §1.3–1.5 ([F] = read off a plot: ±1 hop, ±2 points, ±0.05 RMR)."));
        md.AppendLine();
        md.AppendLine(string.Create(Inv, $"Total wall time of the suite: {_wallTotal:F0} s (parallelism {options.Parallel})."));
        md.AppendLine();
        if (options.Scenarios.Contains("stable"))
        {
            WriteStable(md);
        }

        if (options.Scenarios.Contains("churn"))
        {
            WriteChurn(md);
        }

        if (options.Scenarios.Contains("kill"))
        {
            WriteKill(md);
        }

        if (options.Scenarios.Contains("event"))
        {
            WriteEvent(md);
        }

        if (options.Scenarios.Contains("loss"))
        {
            WriteLoss(md);
        }

        WriteOptimisationCheck(md);
        WriteNotes(md);
        return md.ToString();
    }

    private List<Variant> Present(string scenario, int percent = 0) =>
        [.. options.Variants.Where(v => Has(new RunKey(scenario, v, percent)))];

    private void WriteStable(StringBuilder md)
    {
        var variants = Present("stable");
        if (variants.Count == 0)
        {
            return;
        }

        md.AppendLine("## 1. Stable environment (paper §1.3, Table 1, Fig. 2)");
        md.AppendLine();
        md.AppendLine("Each cell: **ours** (mean over seeds) / *paper* (the paper's message counts are for n = 10,000).");
        md.AppendLine();
        md.Append("| quantity |");
        foreach (var v in variants)
        {
            md.Append(' ').Append(PaperAnchors.Label(v)).Append(" |");
        }

        md.AppendLine();
        md.Append("|---|").Append(string.Concat(Enumerable.Repeat("---|", variants.Count))).AppendLine();

        void Row(string name, Func<Variant, string> ours, Func<Variant, string> paper)
        {
            md.Append("| ").Append(name).Append(" |");
            foreach (var v in variants)
            {
                md.Append(" **").Append(ours(v)).Append("** / *").Append(paper(v)).Append("* |");
            }

            md.AppendLine();
        }

        RunKey K(Variant v) => new("stable", v, 0);
        Row("reliability mean (min), %", v => $"{Pct(Summaries(K(v)).Average(s => s.ReliabilityMean))} ({Pct(Summaries(K(v)).Min(s => s.ReliabilityMin))})", _ => "100");
        Row("RMR, steady (mean; max)", v => $"{F(Summaries(K(v)).Average(s => s.RmrMean ?? double.NaN), 4)}; {F(Summaries(K(v)).Max(s => s.RmrMax ?? double.NaN), 4)}", PaperAnchors.StableRmr);
        Row("RMR, cycles 0 → 1 → 2 → 3", v => string.Join(" → ", SeriesMean(K(v), r => r.Rmr).Take(4).Select(x => F(x, 2))), PaperAnchors.StableBootstrapRmr);
        Row("LDH mean (min–max)", v => LdhRange(K(v), options.Warmup, int.MaxValue), PaperAnchors.StableLdh);
        Row("payload msgs / broadcast", v => F(Summaries(K(v)).Average(s => s.PayloadPerBroadcast), 1), PaperAnchors.StablePayload);
        Row("control msgs / broadcast", v => F(Summaries(K(v)).Average(s => s.ControlPerBroadcast), 1), PaperAnchors.StableControl);
        Row("wall s / run (process peak MiB)", v => $"{F(Runs(K(v)).Average(r => r.WallSeconds), 1)} ({F(Runs(K(v)).Max(r => r.PeakMemoryBytes) / 1048576.0, 0)})", _ => "–");
        md.AppendLine();

        var cycles = Math.Min(options.Cycles, 20);
        var bootstrap = variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(K(v), r => r.Rmr).Take(cycles))).ToList();
        bootstrap.Add(new ChartSeries("paper eager [F]", [(0, 2.0), (1, 2.9), (2, 2.95), (3, 3.0)], Dashed: true, Markers: true));
        bootstrap.Add(new ChartSeries("paper Plumtree [F]", [(0, 2.0), (1, 0.88), (2, 0.04), (3, 0)], Dashed: true, Markers: true));
        Plot(md, "stable_rmr_bootstrap.svg", "RMR per cycle, first cycles (stable)", "cycle", "RMR", bootstrap);
        Plot(md, "stable_rmr.svg", "RMR per cycle (stable)", "cycle", "RMR",
            [.. variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(K(v), r => r.Rmr)))]);
        Plot(md, "stable_ldh.svg", "LDH per cycle (stable)", "cycle", "last delivery hop",
            [.. variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(K(v), r => r.Ldh)))]);
    }

    private void WriteChurn(StringBuilder md)
    {
        var variants = Present("churn");
        if (variants.Count == 0)
        {
            return;
        }

        var start = options.Warmup;
        var end = start + 100;
        md.AppendLine(string.Create(Inv, $"## 2. Constant churn: {ChurnPerCycle} kills per cycle, cycles {start}–{end - 1} (paper §1.4, Fig. 3: 50 per cycle at 10,000 nodes)"));
        md.AppendLine();
        md.AppendLine("| protocol | reliability min, % | RMR mean (ours) | RMR (paper) | LDH during failures (ours) | paper | LDH after failures (ours) | paper |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var v in variants)
        {
            var key = new RunKey("churn", v, 0);
            var s = Summaries(key);
            md.AppendLine(string.Create(Inv, $"| {PaperAnchors.Label(v)} | **{Pct(s.Min(x => x.ReliabilityMin))}** / *100* | **{F(s.Average(x => x.RmrMean ?? double.NaN), 4)}** | *{PaperAnchors.ChurnRmr(v)}* | **{LdhRange(key, start, end)}** | *{PaperAnchors.ChurnLdhDuring(v)}* | **{LdhRange(key, end, int.MaxValue)}** | *{PaperAnchors.ChurnLdhAfter(v)}* |"));
        }

        md.AppendLine();
        Plot(md, "churn_ldh.svg", "LDH per cycle (churn: 50 kills/cycle)", "cycle", "last delivery hop",
            [.. variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(new RunKey("churn", v, 0), r => r.Ldh)))]);
        Plot(md, "churn_rmr.svg", "RMR per cycle (churn: 50 kills/cycle)", "cycle", "RMR",
            [.. variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(new RunKey("churn", v, 0), r => r.Rmr)))]);
        Plot(md, "churn_reliability.svg", "Reliability per cycle (churn)", "cycle", "reliability, %",
            [.. variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(new RunKey("churn", v, 0), r => r.Reliability * 100)))], yMin: 0, yMax: 100);
    }

    private void WriteKill(StringBuilder md)
    {
        var percents = options.KillPercents;
        var variants = options.Variants.Where(v => percents.All(p => Has(new RunKey("kill", v, p)))).ToList();
        if (variants.Count == 0)
        {
            return;
        }

        var fs = options.Warmup;
        md.AppendLine(string.Create(Inv, $"## 3. Massive failure: X% killed once at cycle {fs} (paper §1.5, Fig. 4–6)"));
        md.AppendLine();
        md.AppendLine("### Reliability of the first broadcast after the failure, % (Fig. 6a)");
        md.AppendLine();
        md.AppendLine("Ours: mean over seeds (min–max in brackets when seeds differ). The failed nodes are still in every view during this broadcast.");
        md.AppendLine();
        AppendPercentHeader(md, percents);
        foreach (var v in variants)
        {
            md.Append("| **").Append(PaperAnchors.Label(v)).Append("** |");
            foreach (var p in percents)
            {
                var values = Summaries(new RunKey("kill", v, p)).Select(s => (s.FirstAfterFailureReliability ?? 0) * 100).ToList();
                md.Append(' ').Append(MeanRange(values, 1)).Append(" |");
            }

            md.AppendLine();
            md.Append("| *paper* |");
            var paper = PaperAnchors.FirstAfterFailure(v);
            foreach (var p in percents)
            {
                var i = Array.IndexOf(PaperAnchors.KillPercents, p);
                md.Append(" *").Append(i >= 0 ? F(paper[i], 1) : "–").Append("* |");
            }

            md.AppendLine();
        }

        md.AppendLine();
        md.AppendLine("### Healing time: cycles until reliability is back at its pre-failure value (Fig. 6b)");
        md.AppendLine();
        md.AppendLine("0 = the first broadcast after the failure already reached everyone; 1 = the broadcast after the first membership step did.");
        md.AppendLine();
        AppendPercentHeader(md, percents);
        foreach (var v in variants)
        {
            md.Append("| **").Append(PaperAnchors.Label(v)).Append("** |");
            foreach (var p in percents)
            {
                var s = Summaries(new RunKey("kill", v, p));
                var healed = s.Where(x => x.HealingCycles.HasValue).Select(x => (double)x.HealingCycles!.Value).ToList();
                var never = s.Count - healed.Count;
                md.Append(' ').Append(healed.Count > 0 ? MeanRange(healed, 1) : "never").Append(never > 0 && healed.Count > 0 ? string.Create(Inv, $" ({never} never)") : string.Empty).Append(" |");
            }

            md.AppendLine();
            md.Append("| *paper* |");
            var paper = PaperAnchors.Healing(v);
            foreach (var p in percents)
            {
                var i = Array.IndexOf(PaperAnchors.KillPercents, p);
                md.Append(" *").Append(i >= 0 ? paper[i] : "–").Append("* |");
            }

            md.AppendLine();
        }

        md.AppendLine();
        md.AppendLine("### RMR and LDH after the failure (Fig. 4, Fig. 5)");
        md.AppendLine();
        md.AppendLine("RMR of the broadcasts at cycles f, f+1, f+2, f+3 (f = failure cycle; mean over seeds), and LDH over cycles f+1 to the end.");
        md.AppendLine();
        md.AppendLine("| X | protocol | RMR f → f+3 (ours) | RMR (paper) | LDH after (ours) | LDH (paper) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var p in percents.Where(p => p is 40 or 60 or 80))
        {
            foreach (var v in variants)
            {
                var key = new RunKey("kill", v, p);
                var rmr = SeriesMean(key, r => r.Rmr).Skip(fs).Take(4).Select(x => F(x, 2));
                md.AppendLine(string.Create(Inv, $"| {p}% | {PaperAnchors.Label(v)} | **{string.Join(" → ", rmr)}** | *{PaperAnchors.RmrAfterFailure(v)}* | **{LdhRange(key, fs + 1, int.MaxValue)}** | *{PaperAnchors.LdhAfterFailure(v, p)}* |"));
            }
        }

        md.AppendLine();
        var reliability = new List<ChartSeries>();
        var healing = new List<ChartSeries>();
        foreach (var v in variants)
        {
            reliability.Add(new ChartSeries(PaperAnchors.Label(v), [.. percents.Select(p => ((double)p, Summaries(new RunKey("kill", v, p)).Average(s => (s.FirstAfterFailureReliability ?? 0) * 100)))], Markers: true));
            healing.Add(new ChartSeries(PaperAnchors.Label(v), [.. percents.Select(p => ((double)p, HealingMean(new RunKey("kill", v, p))))], Markers: true));
        }

        foreach (var v in variants.Where(v => v is Variant.Eager or Variant.PlumtreeSingle or Variant.PlumtreeMany))
        {
            var paper = PaperAnchors.FirstAfterFailure(v);
            reliability.Add(new ChartSeries("paper " + (v == Variant.Eager ? "eager/Opt" : PaperAnchors.Label(v)) + " [F]", [.. PaperAnchors.KillPercents.Select((p, i) => ((double)p, paper[i]))], Dashed: true, Markers: true));
        }

        foreach (var v in variants.Where(v => v is Variant.Eager or Variant.PlumtreeSingle))
        {
            var paper = PaperAnchors.HealingMid(v);
            healing.Add(new ChartSeries("paper " + (v == Variant.Eager ? "eager" : "Plumtree") + " [F]", [.. PaperAnchors.KillPercents.Select((p, i) => ((double)p, paper[i]))], Dashed: true, Markers: true));
        }

        Plot(md, "kill_reliability.svg", "Reliability of the first broadcast after X% fail", "nodes killed, %", "reliability, %", reliability, yMin: 0, yMax: 100);
        Plot(md, "kill_healing.svg", "Healing time after X% fail", "nodes killed, %", "cycles to pre-failure reliability", healing, yMin: 0);
        var mid = percents.Contains(60) ? 60 : percents[percents.Count / 2];
        Plot(md, "kill_rmr.svg", string.Create(Inv, $"RMR per cycle around a {mid}% failure (cycle {fs})"), "cycle", "RMR",
            [.. variants.Select(v => Series(PaperAnchors.Label(v), SeriesMean(new RunKey("kill", v, mid), r => r.Rmr), Math.Max(0, fs - 5)))]);
    }

    private void WriteEvent(StringBuilder md)
    {
        var rows = new List<(string Label, RunKey Key)>();
        if (options.EventGraftTimeoutsMs.Count > 0 && Has(new RunKey("event", Variant.Eager, options.EventGraftTimeoutsMs[0])))
        {
            rows.Add(("Eager (flood)", new RunKey("event", Variant.Eager, options.EventGraftTimeoutsMs[0])));
        }

        foreach (var t in options.EventGraftTimeoutsMs)
        {
            var key = new RunKey("event", Variant.OptMany, t);
            if (Has(key))
            {
                rows.Add((string.Create(Inv, $"Plumtree-Opt m-s, timeout1 {t} ms / timeout2 {t / 2} ms"), key));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("## 4. Event mode (not in the paper): per-link latency 10–100 ms, 2 broadcasts/s");
        md.AppendLine();
        md.AppendLine(string.Create(Inv, $"Each link's latency is drawn once from U[10, 100] ms; the engines' graft timers run in virtual time; {options.EventCycles} broadcasts from random senders (the first 10 are warm-up). Time to last delivery is measured from the broadcast. Shows how timeout1 must exceed the latency spread between the eager tree and the lazy announcements, or IHaves win the race and trigger grafts."));
        md.AppendLine();
        md.AppendLine("| protocol | reliability min, % | RMR mean | LDH mean (min–max) | time to last delivery mean / max, ms | Graft / Prune per broadcast |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (label, key) in rows)
        {
            var s = Summaries(key);
            md.AppendLine(string.Create(Inv, $"| {label} | {Pct(s.Min(x => x.ReliabilityMin))} | {F(s.Average(x => x.RmrMean ?? double.NaN), 4)} | {LdhRange(key, 10, int.MaxValue)} | {F(s.Average(x => x.TimeToLastDeliveryMeanMs), 0)} / {F(s.Max(x => x.TimeToLastDeliveryMaxMs), 0)} | {F(s.Average(x => x.ControlByType[1]), 1)} / {F(s.Average(x => x.ControlByType[2]), 1)} |"));
        }

        md.AppendLine();
    }

    private void WriteLoss(StringBuilder md)
    {
        var keys = options.Variants
            .Where(options.LossVariants.Contains)
            .SelectMany(v => options.LossPercents.SelectMany(p => LossRepairRounds.Select(r => new RunKey("loss", v, p, r))))
            .Where(Has)
            .ToList();
        if (keys.Count == 0)
        {
            return;
        }

        var on = LossRepairRounds[0];
        var warmup = Math.Min(options.Warmup, LossCycles - 1);
        md.AppendLine("## 5. Frame loss: graft repair rounds (not in the paper)");
        md.AppendLine();
        md.AppendLine(string.Create(Inv, $"Stable runs of {LossCycles} cycles (cycles 0–{warmup - 1} warm-up) in which every frame, the join's included, is lost with the given probability. Repair rounds on: `GraftRepairRounds` {on}, the engine's default (rule 11 in docs/broadcast.md: a missing message whose round of grafts failed, because the Grafts or the Gossip answering them were lost, is grafted again from its announcers in a later round); off: 0, the message is given up when its first round fails. Reliability, RMR and LDH: means over the cycles after warm-up; grafts sent, repair rounds and messages given up (`engine_graft_sent`, `engine_repair_rounds`, `engine_graft_failed` in the JSON): summed over all nodes and the whole run, warm-up included. Every cell: mean over {options.Seeds} seed(s)."));
        md.AppendLine();
        md.AppendLine("| protocol | loss, % | repair rounds | reliability mean, % | reliability min, % | RMR mean | LDH mean (min–max) | grafts sent / run | repair rounds / run | messages given up / run |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var key in keys)
        {
            var s = Summaries(key);
            var runs = Runs(key);
            var rounds = key.RepairRounds == 0 ? "off (0)" : string.Create(Inv, $"on ({key.RepairRounds})");
            md.AppendLine(string.Create(Inv, $"| {PaperAnchors.Label(key.Variant)} | {key.Percent} | {rounds} | {F(s.Average(x => x.ReliabilityMean) * 100, 3)} | {F(s.Min(x => x.ReliabilityMin) * 100, 3)} | {F(s.Average(x => x.RmrMean ?? double.NaN), 4)} | {LdhRange(key, warmup, int.MaxValue)} | {F(runs.Average(r => (double)r.EngineCounters.GraftSent), 0)} | {F(runs.Average(r => (double)r.EngineCounters.RepairRounds), 1)} | {F(runs.Average(r => (double)r.EngineCounters.GraftFailed), 1)} |"));
        }

        md.AppendLine();
        md.AppendLine("What the rounds cannot fetch: a message never announced to a node, because every Gossip and every IHave sent to it was lost, leaves the node nothing to graft from, so no round ever starts for it; only anti-entropy (a periodic state exchange) can fetch it. That is the reliability still missing with the rounds on; the messages given up with the rounds on are those whose every announcer failed to answer in every round.");
        md.AppendLine();
    }

    /// <summary>
    /// Flags when the hop-count optimisation changed nothing: the Opt and plain variants of one sender mode
    /// gave the same per-cycle figures (and how many swaps the engines counted).
    /// </summary>
    private void WriteOptimisationCheck(StringBuilder md)
    {
        var pairs = new[] { (Variant.OptSingle, Variant.PlumtreeSingle, "single sender"), (Variant.OptMany, Variant.PlumtreeMany, "many senders") };
        var lines = new List<string>();
        foreach (var (opt, plain, name) in pairs)
        {
            int cells = 0, identical = 0;
            long swaps = 0;
            var runs = 0;
            foreach (var key in _results.Keys.Where(k => k.Variant == opt).OrderBy(k => k.Scenario, StringComparer.Ordinal).ThenBy(k => k.Percent))
            {
                var other = key with { Variant = plain };
                if (!Has(key) || !Has(other))
                {
                    continue;
                }

                cells++;
                var a = Runs(key);
                var b = Runs(other);
                if (a.Zip(b).All(p => SameFigures(p.First, p.Second)))
                {
                    identical++;
                }

                swaps += a.Sum(r => r.EngineCounters.Optimizations);
                runs += a.Count;
            }

            if (cells > 0)
            {
                lines.Add(string.Create(Inv, $"- {name}: Plumtree-Opt and Plumtree gave identical per-cycle figures (reliability, RMR, LDH, payload, control) in **{identical} of {cells}** cells; the engines counted {(double)swaps / Math.Max(1, runs):F1} optimisation swaps per Opt run."));
            }
        }

        if (lines.Count == 0)
        {
            return;
        }

        md.AppendLine("## Check: did the hop-count optimisation act?");
        md.AppendLine();
        foreach (var line in lines)
        {
            md.AppendLine(line);
        }

        md.AppendLine();
        md.AppendLine("Rule 7 runs where the paper's Algorithm 4 runs it (when a missing message's Gossip arrives, against the announcements received while it was missing) and also for announcements after delivery and for duplicates. With many senders one shared tree swapped on single messages never settles (a shortcut for one origin is a detour for the next: about 21,600 swaps per run and LDH 20.1 at 10,000 nodes with the paper's rule and threshold 7); the many-senders runs therefore swap only when the shortcut past the same parent shows on consecutive messages (`OptimizationConfirmations`, see docs/broadcast.md), except for `OptimizationRepairWindow` after a view change, when the first shortcut is enough, so that repair after failures is not slowed down.");
        md.AppendLine();
    }

    private static bool SameFigures(SimResult a, SimResult b) =>
        a.Records.Count == b.Records.Count
        && a.Records.Zip(b.Records).All(p => p.First.Reliability == p.Second.Reliability && p.First.Rmr == p.Second.Rmr
            && p.First.Ldh == p.Second.Ldh && p.First.Payload == p.Second.Payload && p.First.Control == p.Second.Control);

    private static void WriteNotes(StringBuilder md)
    {
        md.AppendLine("## Notes on method");
        md.AppendLine();
        md.AppendLine("- Definitions as in the paper: reliability = delivering live nodes / live nodes; RMR = payload messages received / (receivers − 1) − 1 (receivers include the origin; control frames excluded); LDH = largest hop at delivery (origin 0, first transmission 1).");
        md.AppendLine("- Control = IHave, Graft, Prune, Neighbor, Disconnect frames received by live nodes during the broadcast step; overlay repair traffic of the membership step is counted separately (`membership_control` in the JSON).");
        md.AppendLine("- The eager control starts on a complete random 5-regular overlay, so its bootstrap RMR is 3.0 from cycle 0 (the paper's HyParView overlay was still filling in, hence its ≈2.0 at cycle 0). Its repair after failures pairs nodes that lost links at random in one membership step, so eager heals in one cycle where HyParView took up to 3.");
        md.AppendLine("- Single sender: the source is fixed by the seed and never killed. Many senders (and eager): a random live node per cycle.");
        md.AppendLine("- Wall time and peak memory are per process: with `--parallel 2` two runs share the process (one 10,000-node Plumtree run peaks near 600 MiB on its own), and the machine was shared with other work, so timings are rough.");
        md.AppendLine("- Every run's full JSON (per-cycle figures included) is written under `runs/` next to this report (the committed report keeps them as `runs.tar.gz`); `plumtree-sim paper ... --json` reproduces any of them byte for byte apart from `wall_seconds` and `peak_memory_bytes`.");
    }

    private string LdhRange(RunKey key, int from, int to)
    {
        var values = Runs(key).SelectMany(r => r.Records.Where(c => c.Cycle >= from && c.Cycle < to).Select(c => (double)c.Ldh)).ToList();
        return values.Count == 0 ? "–" : string.Create(Inv, $"{values.Average():F1} ({values.Min():F0}–{values.Max():F0})");
    }

    private double HealingMean(RunKey key)
    {
        var healed = Summaries(key).Where(s => s.HealingCycles.HasValue).Select(s => (double)s.HealingCycles!.Value).ToList();
        return healed.Count > 0 ? healed.Average() : double.NaN;
    }

    private void Plot(StringBuilder md, string file, string title, string x, string y, IReadOnlyList<ChartSeries> series, double? yMin = null, double? yMax = null)
    {
        File.WriteAllText(Path.Combine(options.OutDir, file), SvgChart.Line(title, x, y, series, yMin, yMax));
        md.AppendLine(string.Create(Inv, $"![{title}]({file})"));
        md.AppendLine();
    }

    private static ChartSeries Series(string name, IEnumerable<double> values, int offset = 0) =>
        new(name, [.. values.Skip(offset).Select((v, i) => ((double)(i + offset), v))]);

    private static string MeanRange(IReadOnlyList<double> values, int digits)
    {
        var mean = values.Average();
        var min = values.Min();
        var max = values.Max();
        return max - min < 1e-9 ? F(mean, digits) : string.Create(Inv, $"{F(mean, digits)} ({F(min, digits)}–{F(max, digits)})");
    }

    private static string Pct(double fraction) => F(fraction * 100, 2);

    private static string F(double value, int digits) =>
        double.IsFinite(value) ? Math.Round(value, digits, MidpointRounding.AwayFromZero).ToString("F" + digits.ToString(Inv), Inv) : "–";

    /// <summary>The header of a table with one column per kill percentage.</summary>
    private static void AppendPercentHeader(StringBuilder md, IReadOnlyList<int> percents)
    {
        md.Append("| protocol |").Append(string.Concat(percents.Select(p => string.Create(Inv, $" {p}% |")))).AppendLine();
        md.Append("|---|").Append(string.Concat(Enumerable.Repeat("---|", percents.Count))).AppendLine();
    }
}
