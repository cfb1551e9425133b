namespace Plumtree.Simulator.Metrics;

/// <summary>
/// Who holds what at the end of a partition run, and when every live node held every message broadcast before the heal
/// (full consistency). A node "holds" a message it delivered, by the tree or by sync.
/// </summary>
internal sealed class ConsistencyResult
{
    /// <summary>Live nodes at the end.</summary>
    public int LiveNodes { get; init; }

    /// <summary>Messages broadcast in the run, and (live node, message) pairs not held at the end.</summary>
    public int Messages { get; init; }

    public long MissingPairs { get; init; }

    /// <summary>Messages broadcast while the partition was in force (cycles start … heal − 1).</summary>
    public int PartitionMessages { get; init; }

    /// <summary>Of those, how many each partition group broadcast (index: group).</summary>
    public required IReadOnlyList<int> PartitionMessagesByGroup { get; init; }

    /// <summary>Of those, (live node, message) pairs not held at the end, and the share held.</summary>
    public long PartitionMissingPairs { get; init; }

    public double PartitionReliability { get; init; }

    /// <summary>Deliveries of the partition's messages made by sync.</summary>
    public long PartitionRecoveredBySync { get; init; }

    /// <summary>Wire bytes of every Plumtree frame sent from the heal to the end (header included; sync frames excluded).</summary>
    public long TreeBytesAfterHeal { get; init; }

    /// <summary>
    /// Of those, the frames about messages broadcast before the heal: Gossip (re-injected or answering a Graft), IHave
    /// announcing them, Grafts asking for them. Without re-injection nothing re-sends them, so this is about 0.
    /// </summary>
    public long RepairTreeBytesAfterHeal { get; init; }

    /// <summary>Wire bytes of every sync frame sent from the heal to the end (body plus the 6-byte frame header).</summary>
    public long SyncWireBytesAfterHeal { get; init; }

    /// <summary>What repairing the partition cost on the wire per live node: <see cref="RepairTreeBytesAfterHeal"/> plus <see cref="SyncWireBytesAfterHeal"/>, over live nodes.</summary>
    public double RepairBytesPerNode => LiveNodes == 0 ? 0 : (RepairTreeBytesAfterHeal + SyncWireBytesAfterHeal) / (double)LiveNodes;

    /// <summary>
    /// Repair bytes sent per live node from the heal to the end of the cycle in which the cluster became consistent
    /// (sync frames, periodic rounds of that span included, plus tree frames for pre-heal messages); null: never.
    /// </summary>
    public double? RepairBytesPerNodeToConsistency { get; init; }

    /// <summary>Virtual time of the heal, seconds from the start of the run.</summary>
    public double HealSeconds { get; init; }

    /// <summary>Cycle at whose start the partition healed.</summary>
    public int HealCycle { get; init; }

    /// <summary>
    /// Virtual seconds from the heal until every live node held every message broadcast before the heal (0 when they
    /// already did); null when some was still missing at the end of the run.
    /// </summary>
    public double? SecondsToConsistency { get; init; }

    /// <summary>The same in cycles: 1 when consistency came within the heal cycle, k within the k-th cycle from it; null: never.</summary>
    public int? CyclesToConsistency { get; init; }
}
