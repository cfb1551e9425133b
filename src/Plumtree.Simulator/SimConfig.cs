namespace Plumtree.Simulator;

/// <summary>Which protocol the simulated nodes run.</summary>
internal enum SimMode
{
    /// <summary>The real <c>BroadcastEngine</c> on every node.</summary>
    Plumtree,

    /// <summary>The paper's "eager" control: push on every overlay link except the arrival link (no engine).</summary>
    Flood,
}

/// <summary>Who broadcasts each cycle.</summary>
internal enum SenderMode
{
    /// <summary>The same node every cycle (never killed).</summary>
    Single,

    /// <summary>A random live node every cycle.</summary>
    Many,

    /// <summary>
    /// Like <see cref="Many"/>, but while a partition is in force the groups take turns: cycle c's sender is a random
    /// live node of group (c - partition start) mod groups, so every side broadcasts as often as the others.
    /// </summary>
    Groups,
}

/// <summary>Which peers a node's sync engine reconciles with.</summary>
internal enum SyncPeers
{
    /// <summary>Every member of the node's broadcast view, as <c>PlumtreeNode</c> does (the default).</summary>
    View,

    /// <summary>
    /// Only the node's Plumtree peers (eager and lazy), following every change of the peer sets: not what the node does;
    /// a scaled-down model for runs where one sync peer per member per node does not fit in memory (10,000 nodes).
    /// </summary>
    Overlay,
}

/// <summary>What membership does during a partition.</summary>
internal enum PartitionViews
{
    /// <summary>Every engine keeps the one shared view: the partition is shorter than failure detection (the default).</summary>
    Shared,

    /// <summary>
    /// Membership detects the partition (after the detection delay) and each group's view holds only its own members;
    /// at the heal the full view comes back at once, so every member of the other groups returns.
    /// </summary>
    Split,
}

/// <summary>The failure pattern.</summary>
internal enum Scenario
{
    /// <summary>No failures.</summary>
    Stable,

    /// <summary>K kills per cycle for a range of cycles.</summary>
    Churn,

    /// <summary>One-shot kill of X% of the nodes at the first cycle after warm-up.</summary>
    Kill,

    /// <summary>Live nodes split into groups that cannot talk, healed later.</summary>
    Partition,

    /// <summary>
    /// One-shot kill of every node of one zone at the first cycle after warm-up (needs <see cref="SimConfig.Zones"/> ≥ 2):
    /// zone 0, or with a single sender the zone after the sender's, so the sender survives.
    /// </summary>
    ZoneKill,
}

/// <summary>Everything that defines one simulation run. The same config and seed give the same result.</summary>
internal sealed record SimConfig
{
    /// <summary>Number of nodes.</summary>
    public int Nodes { get; init; } = 10_000;

    /// <summary>Number of cycles (broadcasts), warm-up included.</summary>
    public int Cycles { get; init; } = 250;

    /// <summary>Cycles 0..Warmup-1 are stabilisation and are excluded from the means.</summary>
    public int Warmup { get; init; } = 50;

    /// <summary>The one seed everything derives from.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Protocol.</summary>
    public SimMode Mode { get; init; } = SimMode.Plumtree;

    /// <summary>Single or many senders.</summary>
    public SenderMode Senders { get; init; } = SenderMode.Single;

    /// <summary>Failure pattern.</summary>
    public Scenario Scenario { get; init; } = Scenario.Stable;

    /// <summary>Kill scenario: percentage of nodes killed at once.</summary>
    public double KillPercent { get; init; } = 50;

    /// <summary>Churn scenario: nodes killed per cycle.</summary>
    public int ChurnPerCycle { get; init; } = 50;

    /// <summary>Churn scenario: number of cycles with kills, starting at <see cref="FailureStart"/>.</summary>
    public int ChurnCycles { get; init; } = 100;

    /// <summary>First cycle with failures; null means the warm-up end.</summary>
    public int? FailureStartCycle { get; init; }

    /// <summary>Partition scenario: number of groups.</summary>
    public int PartitionGroups { get; init; } = 2;

    /// <summary>Partition scenario: cycles the partition lasts (it heals at the start of cycle start + this).</summary>
    public int PartitionCycles { get; init; } = 10;

    /// <summary>Partition scenario: whether membership detects the partition (split views) or not (one shared view).</summary>
    public PartitionViews PartitionViews { get; init; } = PartitionViews.Shared;

    /// <summary>Anti-entropy: one <c>SyncEngine</c> per node, driven as the node drives it (plumtree mode only).</summary>
    public bool Sync { get; init; }

    /// <summary>Sync: the interval between periodic rounds, in cycles (cycle mode: 1 s of virtual time each; event mode: 1/rate s).</summary>
    public double SyncIntervalCycles { get; init; } = 10;

    /// <summary>Sync: which peers rounds are run with.</summary>
    public SyncPeers SyncPeers { get; init; } = SyncPeers.View;

    /// <summary>Sync: a node that recovers a message by sync re-injects it into the tree (as a broadcast with its original id).</summary>
    public bool SyncReinject { get; init; }

    /// <summary>The hop-count optimisation (plumtree mode).</summary>
    public bool Optimization { get; init; } = true;

    /// <summary>Overlay degree: the flood graph's degree and the engine's eager fanout.</summary>
    public int Degree { get; init; } = 5;

    /// <summary>Event mode (latency in ms, real timers, broadcasts at a rate) instead of the paper's cycle mode.</summary>
    public bool EventMode { get; init; }

    /// <summary>Event mode: smallest per-link latency in ms.</summary>
    public double LatencyMinMs { get; init; } = 10;

    /// <summary>Event mode: largest per-link latency in ms (equal to the minimum for a constant latency).</summary>
    public double LatencyMaxMs { get; init; } = 100;

    /// <summary>Probability that a frame is lost.</summary>
    public double Loss { get; init; }

    /// <summary>Event mode: broadcasts per second (one per cycle; the cycle period is 1/rate).</summary>
    public double Rate { get; init; } = 2;

    /// <summary>Cycle mode: membership steps between a failure and its removal from the view (0 = the same cycle's membership step).</summary>
    public int DetectionCycles { get; init; }

    /// <summary>Event mode: delay between a failure and the view update, in ms.</summary>
    public double DetectionMs { get; init; } = 1000;

    /// <summary>Graft timeout1 override in ms (null: the preset's).</summary>
    public double? GraftTimeoutMs { get; init; }

    /// <summary>Graft timeout2 override in ms (null: the preset's).</summary>
    public double? GraftRetryTimeoutMs { get; init; }

    /// <summary>GraftRepairRounds override (null: the preset's, 3; 0 turns repair rounds off).</summary>
    public int? GraftRepairRounds { get; init; }

    /// <summary>OptimizationThreshold override (null: the preset's, 3).</summary>
    public int? OptimizationThreshold { get; init; }

    /// <summary>OptimizationConfirmations override (null: the preset's, 1 single sender, 3 many).</summary>
    public int? OptimizationConfirmations { get; init; }

    /// <summary>OptimizationRepairWindow override in ms (null: the preset's).</summary>
    public double? OptimizationRepairWindowMs { get; init; }

    /// <summary>
    /// The engines' latency-aware optimisation (<c>LatencyOptimization</c>: rule 7 by arrival time instead of hops). In
    /// event mode it also feeds every engine an RTT sample (twice the link latency) for each of its peers every broadcast
    /// period, as with zones. Off by default: runs are what they were, byte for byte.
    /// </summary>
    public bool LatencyOptimization { get; init; }

    /// <summary>
    /// The engines' shared tree (<c>SharedTree</c>: eager links = the shortest-path tree, by latency measured with Tree
    /// frames, of one agreed candidate root). Off by default: runs are what they were, byte for byte.
    /// </summary>
    public bool SharedTree { get; init; }

    /// <summary>With <see cref="SharedTree"/>: SharedTreeRoots override (null: the engine's default).</summary>
    public int? SharedTreeRoots { get; init; }

    /// <summary>With <see cref="SharedTree"/>: SharedTreeHysteresis override in ms (null: the engine's default).</summary>
    public double? SharedTreeHysteresisMs { get; init; }

    /// <summary>With <see cref="SharedTree"/>: SharedTreeInterval override in ms (null: the engine's default).</summary>
    public double? SharedTreeIntervalMs { get; init; }

    /// <summary>OptimizationTimeThreshold override in ms (null: the engine's default); used with <see cref="LatencyOptimization"/>.</summary>
    public double? OptimizationTimeThresholdMs { get; init; }

    /// <summary>
    /// Event mode: at each broadcast also compute the time a flood over the engines' own overlay (the peer sets at that
    /// moment, the same links) would take to reach the last live node: Dijkstra from the origin over the link latencies.
    /// </summary>
    public bool ShortestPaths { get; init; }

    /// <summary>Failure zones: node i is in zone <c>z{i mod Zones}</c> (its <c>zone</c> tag); 0 or 1: no zones (the default).</summary>
    public int Zones { get; init; }

    /// <summary>Zone awareness of the engines (<c>MinCrossZoneLinks</c> 1); off: 0, the overlay ignores zones.</summary>
    public bool ZoneAware { get; init; } = true;

    /// <summary>The engines' splice rule for the last free slots (<c>OverlaySplice</c>, on by default); off: random probing only.</summary>
    public bool Splice { get; init; } = true;

    /// <summary>Per-link graft timers (the engine's defaults: <c>GraftRttFactor</c> 2, <c>CrossZoneGraftFloor</c> 100 ms); off: both 0, one global profile.</summary>
    public bool LinkTimers { get; init; } = true;

    /// <summary>GraftRttFactor override (null: the engine's default, 2); ignored when <see cref="LinkTimers"/> is off.</summary>
    public double? GraftRttFactor { get; init; }

    /// <summary>CrossZoneGraftFloor override in ms (null: the engine's default, 100 ms); ignored when <see cref="LinkTimers"/> is off.</summary>
    public double? CrossZoneGraftFloorMs { get; init; }

    /// <summary>Event mode with zones: latency range of links between zones in ms (null: the same as <see cref="LatencyMinMs"/>–<see cref="LatencyMaxMs"/>).</summary>
    public double? CrossZoneLatencyMinMs { get; init; }

    /// <summary>Event mode with zones: largest cross-zone link latency in ms.</summary>
    public double? CrossZoneLatencyMaxMs { get; init; }

    /// <summary>True when nodes carry zones.</summary>
    public bool Zoned => Zones >= 2;

    /// <summary>The cycle at which failures start (kill, churn, partition).</summary>
    public int FailureStart => FailureStartCycle ?? Warmup;

    /// <summary>Returns one message per invalid setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(Nodes >= 2, "--nodes must be at least 2");
        Check(Cycles >= 1, "--cycles must be at least 1");
        Check(Warmup >= 0 && Warmup < Cycles, "--warmup must be between 0 and cycles - 1");
        Check(Degree is >= 1 and <= 64, "--degree must be between 1 and 64");
        Check(Degree < Nodes, "--degree must be smaller than --nodes");
        Check(KillPercent is >= 0 and <= 100, "--kill-percent must be between 0 and 100");
        Check(ChurnPerCycle >= 0, "--churn-per-cycle must be 0 or more");
        Check(ChurnCycles >= 0, "--churn-cycles must be 0 or more");
        Check(PartitionGroups >= 2, "--partition groups must be at least 2");
        Check(PartitionCycles >= 1, "--partition cycles must be at least 1");
        Check(LatencyMinMs >= 0 && LatencyMaxMs >= LatencyMinMs, "--latency-ms must be A or A-B with 0 <= A <= B");
        Check(Loss is >= 0 and < 1, "--loss must be in [0, 1)");
        Check(Rate > 0, "--rate must be positive");
        Check(DetectionCycles >= 0, "--detection-cycles must be 0 or more");
        Check(DetectionMs >= 0, "--detection-ms must be 0 or more");
        Check(GraftTimeoutMs is null or > 0, "--graft-timeout-ms must be positive");
        Check(GraftRetryTimeoutMs is null or > 0, "--graft-retry-ms must be positive");
        Check(GraftRepairRounds is null or (>= 0 and <= 100), "--graft-repair-rounds must be between 0 and 100");
        Check(OptimizationThreshold is null or >= 1, "--opt-threshold must be at least 1");
        Check(OptimizationRepairWindowMs is null or >= 0, "--opt-repair-window-ms must be 0 or more");
        Check(OptimizationConfirmations is null or (>= 1 and <= 64), "--opt-confirmations must be between 1 and 64");
        Check(OptimizationTimeThresholdMs is null or (>= 0 and <= 60_000), "--opt-time-threshold-ms must be between 0 and 60000");
        Check(!ShortestPaths || (EventMode && Mode == SimMode.Plumtree), "--shortest-paths needs --event and --mode plumtree");
        Check(!Sync || Mode == SimMode.Plumtree, "--sync needs --mode plumtree (flood mode has no engines)");
        Check(!SyncReinject || Sync, "--sync-reinject needs --sync");
        Check(
            double.IsFinite(SyncIntervalCycles) && SyncIntervalCycles * (EventMode ? 1 / Rate : 1) is >= 0.01 and <= 86_400,
            "--sync-interval-cycles must map to between 10 ms and 1 day of virtual time");
        Check(GraftRttFactor is null or 0 or (>= 1 and <= 100), "--graft-rtt-factor must be 0 or between 1 and 100");
        Check(CrossZoneGraftFloorMs is null or (>= 0 and <= 60_000), "--cross-zone-graft-floor-ms must be between 0 and 60000");
        Check(Zones >= 0 && Zones <= Nodes, "--zones must be between 0 and --nodes");
        Check(Scenario != Scenario.ZoneKill || Zoned, "--scenario zone-kill needs --zones 2 or more");
        Check(
            CrossZoneLatencyMinMs is null || (CrossZoneLatencyMinMs >= 0 && (CrossZoneLatencyMaxMs ?? CrossZoneLatencyMinMs) >= CrossZoneLatencyMinMs),
            "--cross-zone-latency-ms must be A or A-B with 0 <= A <= B");
        Check(PartitionViews == PartitionViews.Shared || Mode == SimMode.Plumtree, "--partition-views split needs --mode plumtree");
        return errors;
    }
}
