using Plumtree.Broadcast;

namespace Plumtree.Simulator.Metrics;

/// <summary>The measurements of one cycle (one broadcast).</summary>
internal sealed class CycleRecord
{
    /// <summary>Control frame kinds counted, in output order.</summary>
    public static readonly FrameType[] ControlTypes = [FrameType.IHave, FrameType.Graft, FrameType.Prune, FrameType.Neighbor, FrameType.Disconnect];

    public int Cycle { get; init; }

    /// <summary>Nodes killed in this cycle's failure step.</summary>
    public int Killed { get; set; }

    /// <summary>Live nodes the broadcast was measured against.</summary>
    public int Live { get; set; }

    /// <summary>Live nodes that delivered.</summary>
    public int Delivered { get; set; }

    /// <summary>Delivering live nodes / live nodes.</summary>
    public double Reliability { get; set; }

    /// <summary>Payload frames received / (receivers - 1) - 1; null when fewer than two nodes received.</summary>
    public double? Rmr { get; set; }

    /// <summary>Largest hop at delivery.</summary>
    public int Ldh { get; set; }

    /// <summary>Payload (Gossip) frames received by live nodes.</summary>
    public long Payload { get; set; }

    /// <summary>Control frames received by live nodes during the broadcast step, by kind (index into <see cref="ControlTypes"/>).</summary>
    public long[] ControlByType { get; } = new long[ControlTypes.Length];

    /// <summary>Control frames received by live nodes during the membership step (overlay repair).</summary>
    public long MembershipControl { get; set; }

    /// <summary>Time from the broadcast to its last delivery, in ms (event mode; in cycle mode hop time).</summary>
    public double TimeToLastDeliveryMs { get; set; }

    /// <summary>
    /// With <see cref="SimConfig.ShortestPaths"/>: the time a flood over the engines' overlay at the broadcast's start would
    /// take to reach the last live node it can reach, in ms (the lower bound for any tree on that overlay); else null.
    /// </summary>
    public double? ShortestPathMs { get; set; }

    /// <summary>
    /// With <see cref="SimConfig.ShortestPaths"/>, after warm-up: the time to the last live node over one fixed shared tree
    /// of the overlay, the shortest-path tree of its most central sampled node (an estimate of the best shared tree), in ms.
    /// </summary>
    public double? CentralTreeMs { get; set; }

    /// <summary>Tree frames (shared-tree adverts) received during the broadcast step; not in <see cref="Control"/>.</summary>
    public long TreeFrames { get; set; }

    /// <summary>All control frames of the broadcast step.</summary>
    public long Control => ControlByType.Sum();

    /// <summary>Maps a frame type to its slot in <see cref="ControlByType"/>, or -1 for Gossip.</summary>
    public static int ControlSlot(FrameType type) => type switch
    {
        FrameType.IHave => 0,
        FrameType.Graft => 1,
        FrameType.Prune => 2,
        FrameType.Neighbor => 3,
        FrameType.Disconnect => 4,
        _ => -1,
    };
}
