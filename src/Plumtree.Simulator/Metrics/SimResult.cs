using Plumtree.Broadcast;

namespace Plumtree.Simulator.Metrics;

/// <summary>Overlay shape among live nodes.</summary>
/// <param name="DegreeMin">Smallest peer-set size.</param>
/// <param name="DegreeMean">Mean peer-set size.</param>
/// <param name="DegreeMax">Largest peer-set size.</param>
/// <param name="EagerMean">Mean eager peers per node (flood: every link).</param>
/// <param name="AsymmetricLinks">Links whose reverse is missing (flood: links to dead nodes).</param>
internal sealed record OverlayStats(int DegreeMin, double DegreeMean, int DegreeMax, double EagerMean, int AsymmetricLinks);

/// <summary>Everything one run measured.</summary>
internal sealed class SimResult
{
    public required SimConfig Config { get; init; }

    public required IReadOnlyList<CycleRecord> Records { get; init; }

    /// <summary>Control frames received during the join, by kind.</summary>
    public required IReadOnlyList<long> BootstrapControl { get; init; }

    public required OverlayStats OverlayAfterJoin { get; init; }

    public required OverlayStats OverlayAtEnd { get; init; }

    /// <summary>With the shared tree: its state at the end (null otherwise).</summary>
    public SharedTreeStats? SharedTreeAtEnd { get; init; }

    public long FramesSent { get; init; }

    public long FramesLost { get; init; }

    public long FramesCut { get; init; }

    public long FramesToDead { get; init; }

    /// <summary>Frames addressed to a name the simulator does not know (an engine bug if non-zero).</summary>
    public long UnknownPeer { get; init; }

    /// <summary>Deliveries of ids the simulator never broadcast (an engine bug if non-zero).</summary>
    public long UntrackedDeliveries { get; init; }

    /// <summary>Second deliveries of one id at one node (an engine bug if non-zero).</summary>
    public long DuplicateDeliveries { get; init; }

    public long EventsProcessed { get; init; }

    /// <summary>Steps cut off by the step limit (should be 0).</summary>
    public int CutSteps { get; init; }

    /// <summary>Virtual time the join took until the overlay was quiet, in seconds.</summary>
    public double JoinSeconds { get; init; }

    /// <summary>The join's fill, sampled at every join step (plumtree mode; empty for flood).</summary>
    public IReadOnlyList<JoinSample> JoinTrace { get; init; } = [];

    /// <summary>First sample at which the overlay was full (no node short; one node one short when D·n is odd), or null.</summary>
    public double? JoinFullSeconds { get; init; }

    /// <summary>Peer-set sizes after the join: index = degree, value = nodes.</summary>
    public IReadOnlyList<long> DegreeHistogramAfterJoin { get; init; } = [];

    /// <summary>Splice frames received during the join (docs/broadcast.md, "Splice").</summary>
    public long SpliceFramesInJoin { get; init; }

    public required BroadcastCounters EngineCounters { get; init; }

    /// <summary>Anti-entropy figures (<c>--sync</c>), else null.</summary>
    public SyncResult? Sync { get; init; }

    /// <summary>Partition scenario: who holds what at the end and when the cluster became consistent, else null.</summary>
    public ConsistencyResult? Consistency { get; init; }

    public int? FixedSender { get; init; }

    public double WallSeconds { get; set; }

    /// <summary>Wall time and allocations by phase (not in the JSON: they vary between identical runs).</summary>
    public PhaseTimings Timings { get; init; } = new();

    public long PeakMemoryBytes { get; set; }
}

/// <summary>One sample of the join's fill.</summary>
/// <param name="Seconds">Virtual time.</param>
/// <param name="MissingLinkEnds">Sum over live nodes of the degree bound less their peers.</param>
/// <param name="ShortNodes">Live nodes below the degree bound.</param>
internal sealed record JoinSample(double Seconds, long MissingLinkEnds, int ShortNodes);
