using System.CommandLine;
using System.Globalization;
using Plumtree.Simulator.Metrics;
using Plumtree.Simulator.Output;

namespace Plumtree.Simulator.Cli;

/// <summary><c>plumtree-sim paper</c>: one run of one paper scenario, printed as JSON or a short summary.</summary>
internal static class PaperCommand
{
    public static Command Create()
    {
        var scenario = new Option<string>("--scenario") { Description = "Failure pattern: stable, churn (K kills per cycle), kill (one-shot X% kill after warm-up), partition (groups that heal), zone-kill (every node of one zone killed at once after warm-up; needs --zones)", DefaultValueFactory = _ => "stable" };
        scenario.AcceptOnlyFromAmong("stable", "churn", "kill", "partition", "zone-kill");
        var zones = new Option<int>("--zones") { Description = "Failure zones: node i is in zone z(i mod Z); 0: none", DefaultValueFactory = _ => 0 };
        var zoneAware = new Option<string>("--zone-aware") { Description = "Zone awareness of the engines (MinCrossZoneLinks 1; off: 0)", DefaultValueFactory = _ => "on" };
        zoneAware.AcceptOnlyFromAmong("on", "off");
        var splice = new Option<string>("--splice") { Description = "The engines' splice rule for the last free slots of the overlay (off: random probing only)", DefaultValueFactory = _ => "on" };
        splice.AcceptOnlyFromAmong("on", "off");
        var linkTimers = new Option<string>("--link-timers") { Description = "Per-link graft timers from measured RTT with a cross-zone floor (off: one global profile)", DefaultValueFactory = _ => "on" };
        linkTimers.AcceptOnlyFromAmong("on", "off");
        var rttFactor = new Option<double?>("--graft-rtt-factor") { Description = "With --link-timers on: override GraftRttFactor (timeout2 = factor x RTT); default the engine's 2" };
        var crossFloor = new Option<double?>("--cross-zone-graft-floor-ms") { Description = "With --link-timers on: override CrossZoneGraftFloor in ms; default the engine's 100" };
        var crossLatency = new Option<string?>("--cross-zone-latency-ms") { Description = "Event mode with zones: latency of links between zones, A or A-B (default: --latency-ms)" };
        var killPercent = new Option<double>("--kill-percent") { Description = "kill: percentage of nodes killed at the first cycle after warm-up", DefaultValueFactory = _ => 50 };
        var churnPerCycle = new Option<int>("--churn-per-cycle") { Description = "churn: nodes killed per cycle", DefaultValueFactory = _ => 50 };
        var churnCycles = new Option<int>("--churn-cycles") { Description = "churn: cycles with kills, from the warm-up end", DefaultValueFactory = _ => 100 };
        var partition = new Option<string?>("--partition") { Description = "partition: G@C, G random groups for C cycles from the warm-up end (default 2@10)" };
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes", DefaultValueFactory = _ => 10_000 };
        var cycles = new Option<int>("--cycles") { Description = "Cycles (one broadcast each), warm-up included", DefaultValueFactory = _ => 250 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up cycles excluded from the means", DefaultValueFactory = _ => 50 };
        var senders = new Option<string>("--senders") { Description = "single: the same source every cycle; many: a random live source each cycle; groups: as many, but during a partition the groups take turns", DefaultValueFactory = _ => "single" };
        senders.AcceptOnlyFromAmong("single", "many", "groups");
        var partitionViews = new Option<string>("--partition-views") { Description = "partition: shared (views unchanged: shorter than failure detection) or split (after the detection delay each group's view holds only its members; the full view returns at the heal)", DefaultValueFactory = _ => "shared" };
        partitionViews.AcceptOnlyFromAmong("shared", "split");
        var sync = new Option<bool>("--sync") { Description = "Anti-entropy: one SyncEngine per node, driven as the node drives it (deliveries through its store, bodies through the network, peers from the view)" };
        var syncInterval = new Option<double>("--sync-interval-cycles") { Description = "Sync: periodic round interval in cycles (cycle mode: 1 s of virtual time each; event mode: 1/--rate s)", DefaultValueFactory = _ => 10 };
        var syncPeers = new Option<string>("--sync-peers") { Description = "Sync: view (every member of the view, as the node does) or overlay (only the node's Plumtree peers: a scaled-down model for 10,000 nodes)", DefaultValueFactory = _ => "view" };
        syncPeers.AcceptOnlyFromAmong("view", "overlay");
        var syncReinject = new Option<bool>("--sync-reinject") { Description = "Sync: a node that recovers a message by sync broadcasts it again into the tree with its original id" };
        var mode = new Option<string>("--mode") { Description = "plumtree: the real BroadcastEngine; flood: eager push on every overlay link (the paper's control)", DefaultValueFactory = _ => "plumtree" };
        mode.AcceptOnlyFromAmong("plumtree", "flood");
        var optimization = new Option<string>("--optimization") { Description = "Hop-count optimisation (threshold 3; many senders: a shortcut must show on 3 consecutive messages)", DefaultValueFactory = _ => "on" };
        optimization.AcceptOnlyFromAmong("on", "off");
        var seed = new Option<int>("--seed") { Description = "The one seed everything derives from", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var timings = new Option<bool>("--timings") { Description = "Also print to stderr where the wall time and allocations went (join, cycles, end), the GC counts and the wall time per cycle" };
        var degree = new Option<int>("--degree") { Description = "Overlay degree (flood graph degree; engine eager fanout)", DefaultValueFactory = _ => 5 };
        var eventMode = new Option<bool>("--event") { Description = "Event mode: per-link latency in ms (--latency-ms), real graft timers, one broadcast every 1/--rate s, detection after --detection-ms" };
        var latency = new Option<string>("--latency-ms") { Description = "Event mode: per-link latency, A (constant) or A-B (uniform, fixed per link)", DefaultValueFactory = _ => "10-100" };
        var loss = new Option<double>("--loss") { Description = "Probability that any frame is lost (both modes)", DefaultValueFactory = _ => 0 };
        var rate = new Option<double>("--rate") { Description = "Event mode: broadcasts per second", DefaultValueFactory = _ => 2 };
        var detectionCycles = new Option<int>("--detection-cycles") { Description = "Cycle mode: membership steps before a failed node leaves the view (0: the failure cycle's own step)", DefaultValueFactory = _ => 0 };
        var detectionMs = new Option<double>("--detection-ms") { Description = "Event mode: failure detection delay in ms", DefaultValueFactory = _ => 1000 };
        var graftTimeout = new Option<double?>("--graft-timeout-ms") { Description = "Override GraftTimeout (timeout1); default the preset's 200 ms" };
        var graftRetry = new Option<double?>("--graft-retry-ms") { Description = "Override GraftRetryTimeout (timeout2); default the preset's 100 ms" };
        var repairRounds = new Option<int?>("--graft-repair-rounds") { Description = "Override GraftRepairRounds (extra rounds of grafts for a message whose grafts ran out; 0: off); default the preset's 3" };
        var optThreshold = new Option<int?>("--opt-threshold") { Description = "Override OptimizationThreshold; default the preset's (3)" };
        var optRepairWindow = new Option<double?>("--opt-repair-window-ms") { Description = "Override OptimizationRepairWindow in ms (after a view change, swap on the first shortcut for this long); default the preset's" };
        var latencyOpt = new Option<string>("--latency-opt") { Description = "The engines' latency-aware optimisation (rule 7 by arrival time: swap the parent for a peer whose IHave arrived at least --opt-time-threshold-ms before the Gossip); event mode also feeds RTT samples", DefaultValueFactory = _ => "off" };
        latencyOpt.AcceptOnlyFromAmong("on", "off");
        var optTimeThreshold = new Option<double?>("--opt-time-threshold-ms") { Description = "With --latency-opt on: override OptimizationTimeThreshold in ms; default the engine's" };
        var sharedTree = new Option<string>("--shared-tree") { Description = "The engines' shared tree (eager links = the shortest-path tree by measured latency of one agreed candidate root; Tree frames)", DefaultValueFactory = _ => "off" };
        sharedTree.AcceptOnlyFromAmong("on", "off");
        var treeRoots = new Option<int?>("--tree-roots") { Description = "With --shared-tree on: override SharedTreeRoots (candidate roots); default the engine's (16)" };
        var treeHysteresis = new Option<double?>("--tree-hysteresis-ms") { Description = "With --shared-tree on: override SharedTreeHysteresis in ms; default the engine's (5)" };
        var treeInterval = new Option<double?>("--tree-interval-ms") { Description = "With --shared-tree on: override SharedTreeInterval (periodic adverts) in ms; default the engine's (5000)" };
        var shortestPaths = new Option<bool>("--shortest-paths") { Description = "Event mode: also measure, per broadcast, the time a flood over the engines' own overlay would take (Dijkstra over the same links)" };
        var optConfirmations = new Option<int?>("--opt-confirmations") { Description = "Override OptimizationConfirmations (consecutive messages showing a shortcut before the swap); default the preset's (1 single sender, 3 many)" };

        var command = new Command("paper", "Run one scenario of the Plumtree paper's experiments (cycle mode by default)")
        {
            scenario, killPercent, churnPerCycle, churnCycles, partition, nodes, cycles, warmup, senders, mode, optimization, seed, json,
            degree, eventMode, latency, loss, rate, detectionCycles, detectionMs, graftTimeout, graftRetry,
            optThreshold, optConfirmations, optRepairWindow, repairRounds, partitionViews, sync, syncInterval, syncPeers, syncReinject,
            zones, zoneAware, linkTimers, crossLatency, rttFactor, crossFloor, splice, latencyOpt, optTimeThreshold, shortestPaths, timings,
            sharedTree, treeRoots, treeHysteresis, treeInterval,
        };
        command.SetAction(parse =>
        {
            if (!TryParseRange(parse.GetValue(latency)!, out var latMin, out var latMax))
            {
                Console.Error.WriteLine("--latency-ms must be A or A-B (milliseconds)");
                return 2;
            }

            double? crossMin = null, crossMax = null;
            if (parse.GetValue(crossLatency) is { } cl)
            {
                if (!TryParseRange(cl, out var a, out var b))
                {
                    Console.Error.WriteLine("--cross-zone-latency-ms must be A or A-B (milliseconds)");
                    return 2;
                }

                (crossMin, crossMax) = (a, b);
            }

            var (groups, partitionCycles) = (2, 10);
            if (parse.GetValue(partition) is { } p && !TryParsePartition(p, out groups, out partitionCycles))
            {
                Console.Error.WriteLine("--partition must be G@C (groups @ cycles), e.g. 2@10");
                return 2;
            }

            var config = new SimConfig
            {
                Scenario = Enum.Parse<Scenario>(parse.GetValue(scenario)!.Replace("-", "", StringComparison.Ordinal), ignoreCase: true),
                Zones = parse.GetValue(zones),
                ZoneAware = parse.GetValue(zoneAware) == "on",
                LinkTimers = parse.GetValue(linkTimers) == "on",
                Splice = parse.GetValue(splice) == "on",
                GraftRttFactor = parse.GetValue(rttFactor),
                CrossZoneGraftFloorMs = parse.GetValue(crossFloor),
                CrossZoneLatencyMinMs = crossMin,
                CrossZoneLatencyMaxMs = crossMax,
                KillPercent = parse.GetValue(killPercent),
                ChurnPerCycle = parse.GetValue(churnPerCycle),
                ChurnCycles = parse.GetValue(churnCycles),
                PartitionGroups = groups,
                PartitionCycles = partitionCycles,
                Nodes = parse.GetValue(nodes),
                Cycles = parse.GetValue(cycles),
                Warmup = parse.GetValue(warmup),
                Senders = parse.GetValue(senders) switch { "many" => SenderMode.Many, "groups" => SenderMode.Groups, _ => SenderMode.Single },
                PartitionViews = parse.GetValue(partitionViews) == "split" ? PartitionViews.Split : PartitionViews.Shared,
                Sync = parse.GetValue(sync),
                SyncIntervalCycles = parse.GetValue(syncInterval),
                SyncReinject = parse.GetValue(syncReinject),
                SyncPeers = parse.GetValue(syncPeers) == "overlay" ? SyncPeers.Overlay : SyncPeers.View,
                Mode = parse.GetValue(mode) == "flood" ? SimMode.Flood : SimMode.Plumtree,
                Optimization = parse.GetValue(optimization) == "on",
                Seed = parse.GetValue(seed),
                Degree = parse.GetValue(degree),
                EventMode = parse.GetValue(eventMode),
                LatencyMinMs = latMin,
                LatencyMaxMs = latMax,
                Loss = parse.GetValue(loss),
                Rate = parse.GetValue(rate),
                DetectionCycles = parse.GetValue(detectionCycles),
                DetectionMs = parse.GetValue(detectionMs),
                GraftTimeoutMs = parse.GetValue(graftTimeout),
                GraftRetryTimeoutMs = parse.GetValue(graftRetry),
                GraftRepairRounds = parse.GetValue(repairRounds),
                OptimizationThreshold = parse.GetValue(optThreshold),
                OptimizationConfirmations = parse.GetValue(optConfirmations),
                OptimizationRepairWindowMs = parse.GetValue(optRepairWindow),
                LatencyOptimization = parse.GetValue(latencyOpt) == "on",
                OptimizationTimeThresholdMs = parse.GetValue(optTimeThreshold),
                ShortestPaths = parse.GetValue(shortestPaths),
                SharedTree = parse.GetValue(sharedTree) == "on",
                SharedTreeRoots = parse.GetValue(treeRoots),
                SharedTreeHysteresisMs = parse.GetValue(treeHysteresis),
                SharedTreeIntervalMs = parse.GetValue(treeInterval),
            };
            return Execute(config, parse.GetValue(json), parse.GetValue(timings));
        });
        return command;
    }

    private static int Execute(SimConfig config, bool json, bool timings)
    {
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine(error);
            }

            return 2;
        }

        var result = Runner.Run(config);
        if (timings)
        {
            WriteTimings(result);
        }

        if (json)
        {
            Console.Out.WriteLine(ResultJson.Write(result));
        }
        else
        {
            WriteText(result);
        }

        return 0;
    }

    /// <summary>The phase timings on stderr: they vary between identical runs, so they stay out of the JSON.</summary>
    private static void WriteTimings(SimResult result)
    {
        var t = result.Timings;
        var inv = CultureInfo.InvariantCulture;
        var cycles = Math.Max(1, result.Config.Cycles);
        Console.Error.WriteLine(string.Create(inv, $"timings: join {t.JoinWallSeconds:F2} s wall, {t.JoinCpuSeconds:F2} s CPU ({result.JoinSeconds:F0} s virtual, {t.JoinAllocatedBytes / 1048576.0:F0} MiB allocated); cycles {t.RunWallSeconds:F2} s wall, {t.RunCpuSeconds:F2} s CPU ({t.RunWallSeconds * 1000 / cycles:F1} ms wall and {t.RunCpuSeconds * 1000 / cycles:F1} ms CPU per cycle, {t.RunAllocatedBytes / 1048576.0:F0} MiB allocated, {t.RunAllocatedBytes / cycles / 1024.0:F0} KiB per cycle); end {t.FinishWallSeconds:F2} s"));
        Console.Error.WriteLine(string.Create(inv, $"timings: total {result.WallSeconds:F2} s wall, peak working set {result.PeakMemoryBytes / 1048576.0:F0} MiB, GCs gen0/1/2 {t.Collections[0]}/{t.Collections[1]}/{t.Collections[2]}, {result.EventsProcessed} events"));
    }

    private static void WriteText(SimResult result)
    {
        var c = result.Config;
        var s = RunSummary.From(result);
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(inv, $"{c.Mode} {c.Senders} sender(s), scenario {c.Scenario}, n={c.Nodes}, cycles={c.Cycles} (warm-up {c.Warmup}), seed {c.Seed}, optimisation {(c.Optimization ? "on" : "off")}, {(c.EventMode ? "event" : "cycle")} mode"));
        Console.Out.WriteLine(string.Create(inv, $"  reliability  mean {s.ReliabilityMean:P3}  min {s.ReliabilityMin:P3}"));
        Console.Out.WriteLine(string.Create(inv, $"  RMR          mean {s.RmrMean:F4}  max {s.RmrMax:F4}"));
        Console.Out.WriteLine(string.Create(inv, $"  LDH          mean {s.LdhMean:F2}  max {s.LdhMax}"));
        Console.Out.WriteLine(string.Create(inv, $"  per broadcast: payload {s.PayloadPerBroadcast:F1}  control {s.ControlPerBroadcast:F1}"));
        if (s.FirstAfterFailureReliability is { } first)
        {
            Console.Out.WriteLine(string.Create(inv, $"  first broadcast after the failure: reliability {first:P3}; healed after {(s.HealingCycles is { } h ? h.ToString(inv) : "never")} cycle(s)"));
        }

        if (c.EventMode)
        {
            Console.Out.WriteLine(string.Create(inv, $"  time to last delivery: mean {s.TimeToLastDeliveryMeanMs:F1} ms  max {s.TimeToLastDeliveryMaxMs:F1} ms"));
            if (s.ShortestPathMeanMs is { } bound)
            {
                Console.Out.WriteLine(string.Create(inv, $"  flood over the same overlay: mean {bound:F1} ms; time to last delivery / that: mean {s.ShortestPathRatioMean:F3}  max {s.ShortestPathRatioMax:F3}; central shared tree: mean {s.CentralTreeMeanMs:F1} ms"));
            }
        }

        if (c.Mode == SimMode.Plumtree)
        {
            var e = result.EngineCounters;
            Console.Out.WriteLine(string.Create(inv, $"  swaps (optimisations) {e.Optimizations}; per broadcast: Graft {s.ControlByType[1]:F1}, Prune {s.ControlByType[2]:F1}"));
            Console.Out.WriteLine(string.Create(inv, $"  grafts {e.GraftSent}, repair rounds {e.RepairRounds}, messages given up {e.GraftFailed}; frames held from unknown senders {e.FramesParked} (released {e.FramesReleased}, expired {e.ParkExpired})"));
        }

        if (result.Consistency is { } k)
        {
            var when = k.SecondsToConsistency is { } sec
                ? string.Create(inv, $"{sec:F3} s of virtual time ({k.CyclesToConsistency} cycle(s), heal cycle counted as 1)")
                : "never within the run";
            Console.Out.WriteLine(string.Create(inv, $"  partition: {k.PartitionMessages} message(s) broadcast during it ({string.Join(" + ", k.PartitionMessagesByGroup)} by group); at the end {k.PartitionReliability:P3} of (live node, message) pairs held ({k.PartitionMissingPairs} missing, {k.PartitionRecoveredBySync} delivered by sync); all messages: {k.MissingPairs} pair(s) missing"));
            Console.Out.WriteLine(string.Create(inv, $"  full consistency (every live node holds every message broadcast before the heal) after the heal: {when}"));
            Console.Out.WriteLine(string.Create(inv, $"  after the heal, wire bytes sent per live node: repair until consistent {(k.RepairBytesPerNodeToConsistency is { } r ? r.ToString("F0", inv) : "-")}, until the end {k.RepairBytesPerNode:F0} (sync frames {k.SyncWireBytesAfterHeal / (double)Math.Max(1, k.LiveNodes):F0}, tree frames for pre-heal messages {k.RepairTreeBytesAfterHeal / (double)Math.Max(1, k.LiveNodes):F0}); all tree frames {k.TreeBytesAfterHeal / (double)Math.Max(1, k.LiveNodes):F0}"));
        }

        if (result.Sync is { } y)
        {
            var t = y.Total;
            var failures = string.Join(", ", t.Failures.Where(f => f.Value > 0).Select(f => string.Create(inv, $"{f.Key} {f.Value}")));
            Console.Out.WriteLine(string.Create(inv, $"  sync (interval {y.Options.Interval.TotalSeconds:0.###} s, peers: {(c.SyncPeers == SyncPeers.View ? "every view member" : "Plumtree peers only")}): rounds {t.RoundsStarted} (completed {t.RoundsCompleted}, failed {t.RoundsFailed}{(failures.Length > 0 ? ": " + failures : string.Empty)}), messages recovered {t.MessagesRecovered} (pushed {t.MessagesPushed}, served {t.MessagesServed}), re-injected {y.Reinjected}"));
            Console.Out.WriteLine(string.Create(inv, $"  sync bytes per live node (sent + received): whole run mean {y.BytesPerNodeMean:F0} max {y.BytesPerNodeMax}{(y.BytesAfterHealPerNodeMean is { } m ? string.Create(inv, $"; after the heal mean {m:F0} max {y.BytesAfterHealPerNodeMax}") : string.Empty)}{(y.BackgroundBytesPerNodeSecond is { } b ? string.Create(inv, $"; before the partition {b:F1} B/s") : string.Empty)}"));
            if (y.AtHeal is { } h)
            {
                Console.Out.WriteLine(string.Create(inv, $"  sync after the heal: rounds {t.RoundsStarted - h.RoundsStarted}, messages recovered {t.MessagesRecovered - h.MessagesRecovered}"));
            }

            Console.Out.WriteLine(string.Create(inv, $"  deliveries: by sync {y.RecoveredDeliveries}, tree deliveries refused as already held {y.RefusedDeliveries}, duplicate deliveries {result.DuplicateDeliveries}"));
        }

        Console.Out.WriteLine(string.Create(inv, $"  overlay after join: degree {result.OverlayAfterJoin.DegreeMin}..{result.OverlayAfterJoin.DegreeMax} mean {result.OverlayAfterJoin.DegreeMean:F3}, asymmetric links {result.OverlayAfterJoin.AsymmetricLinks}"));
        if (result.JoinTrace.Count > 0)
        {
            var last = result.JoinTrace[^1];
            var histogram = string.Join(", ", result.DegreeHistogramAfterJoin.Select((count, degree) => (count, degree)).Where(x => x.count > 0).Select(x => string.Create(inv, $"{x.degree}: {x.count}")));
            Console.Out.WriteLine(string.Create(inv, $"  join: {(result.JoinFullSeconds is { } full ? string.Create(inv, $"full after {full:0.###} s") : "not full")} (ended at {result.JoinSeconds:0.###} s, {last.MissingLinkEnds} link ends missing on {last.ShortNodes} nodes), splice frames {result.SpliceFramesInJoin}, degrees {histogram}"));
        }
        Console.Out.WriteLine(string.Create(inv, $"  wall {result.WallSeconds:F2} s, peak memory {result.PeakMemoryBytes / (1024.0 * 1024.0):F0} MiB, {result.EventsProcessed} events"));
    }

    internal static bool TryParseRange(string text, out double min, out double max)
    {
        min = max = 0;
        var parts = text.Split('-', 2);
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out min))
        {
            return false;
        }

        if (parts.Length == 1)
        {
            max = min;
            return min >= 0;
        }

        return double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out max) && min >= 0 && max >= min;
    }

    internal static bool TryParsePartition(string text, out int groups, out int cycles)
    {
        groups = cycles = 0;
        var parts = text.Split('@', 2);
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out groups)
            && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out cycles);
    }
}
