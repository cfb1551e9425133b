using Plumtree.Sync;

namespace Plumtree.Simulator.Metrics;

/// <summary>What anti-entropy did in one run (<c>--sync</c>). Bytes are sync frame body bytes.</summary>
internal sealed class SyncResult
{
    /// <summary>The engines' settings (the interval mapped onto virtual time).</summary>
    public required SyncOptions Options { get; init; }

    /// <summary>Counters over the whole run, join included.</summary>
    public required SyncTotals Total { get; init; }

    /// <summary>Counters when the partition started (partition scenario).</summary>
    public SyncTotals? AtPartition { get; init; }

    /// <summary>Counters at the heal (partition scenario).</summary>
    public SyncTotals? AtHeal { get; init; }

    /// <summary>Sent + received per live node over the whole run: mean and max.</summary>
    public double BytesPerNodeMean { get; init; }

    public long BytesPerNodeMax { get; init; }

    /// <summary>Sent + received per live node from the heal to the end: mean and max.</summary>
    public double? BytesAfterHealPerNodeMean { get; init; }

    public long? BytesAfterHealPerNodeMax { get; init; }

    /// <summary>Sent + received per node per second of virtual time before the partition (rounds that find nothing to do).</summary>
    public double? BackgroundBytesPerNodeSecond { get; init; }

    /// <summary>Sync bodies sent (some cut by the partition or lost) and delivered to live nodes.</summary>
    public long FramesSent { get; init; }

    public long FramesDelivered { get; init; }

    /// <summary>Deliveries to the application made by sync (each a message the tree never delivered to that node).</summary>
    public long RecoveredDeliveries { get; init; }

    /// <summary>Deliveries by the tree of messages the node already held (recovered by sync first): refused, not delivered again.</summary>
    public long RefusedDeliveries { get; init; }

    /// <summary><c>--sync-reinject</c>: messages broadcast again by the node that recovered them.</summary>
    public long Reinjected { get; init; }
}
