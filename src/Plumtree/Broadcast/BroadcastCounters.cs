namespace Plumtree.Broadcast;

/// <summary>
/// Monotonic counters kept by a <see cref="BroadcastEngine"/>. The engine increments them from its single
/// writer; readers on other threads see each field atomically (64-bit reads) but not a consistent set.
/// </summary>
public sealed class BroadcastCounters
{
    /// <summary>Messages this node originated.</summary>
    public long Broadcast;

    /// <summary>Messages delivered to the application (including its own broadcasts).</summary>
    public long Delivered;

    /// <summary>Gossip frames received for messages already delivered (or already refused by the validator).</summary>
    public long Duplicates;

    /// <summary>New messages the validator did not accept (<see cref="IBroadcastOutput.Validate"/>): remembered, never delivered or forwarded.</summary>
    public long Refused;

    /// <summary>Gossip frames sent.</summary>
    public long GossipSent;

    /// <summary>IHave announcements sent (entries, not frames).</summary>
    public long IHaveSent;

    /// <summary>IHave frames sent.</summary>
    public long IHaveFramesSent;

    /// <summary>Graft frames sent.</summary>
    public long GraftSent;

    /// <summary>Prune frames sent.</summary>
    public long PruneSent;

    /// <summary>
    /// Missing messages given up on: every round of grafts (the first and <see cref="BroadcastOptions.GraftRepairRounds"/>
    /// repair rounds) ran out of announcers or attempts. Counted once per message.
    /// </summary>
    public long GraftFailed;

    /// <summary>Grafts received for messages no longer cached (cleared or expired) nor in the output's store; the link is still grafted.</summary>
    public long GraftUnserved;

    /// <summary>Messages obtained outside the tree (anti-entropy) and pushed into it again (<see cref="BroadcastEngine.Reinject"/>).</summary>
    public long Reinjected;

    /// <summary>Grafts for messages no longer cached that were served from the output's store (<see cref="IBroadcastOutput.TryGetStored"/>).</summary>
    public long GraftServedFromStore;

    /// <summary>Messages announced to this node but unobtainable from any reachable peer (cut off by a partition); counted with <see cref="GraftFailed"/>, once per message.</summary>
    public long Partitioned;

    /// <summary>Repair rounds started: a round of grafts for a missing message ran out and another one began.</summary>
    public long RepairRounds;

    /// <summary>Links swapped by the hop-count optimisation.</summary>
    public long Optimizations;

    /// <summary>Frames received from a peer outside the current view and ignored (at once, or after being held for <see cref="BroadcastOptions.ParkTime"/>).</summary>
    public long UnknownSender;

    /// <summary>Frames from a sender outside the view held until a view includes it (<see cref="BroadcastOptions.ParkTime"/>).</summary>
    public long FramesParked;

    /// <summary>Held frames processed because a new view included their sender.</summary>
    public long FramesReleased;

    /// <summary>Held frames dropped because no view included their sender within <see cref="BroadcastOptions.ParkTime"/> (also counted in <see cref="UnknownSender"/>, except Disconnect).</summary>
    public long ParkExpired;

    /// <summary>Gossip frames dropped on receive because the payload exceeded <see cref="BroadcastOptions.MaxMessageSize"/>.</summary>
    public long Oversized;

    /// <summary>Frames dropped because they could not be used (unknown type, a Sync frame, which belongs to the sync engine, empty message id, negative hop).</summary>
    public long Malformed;

    /// <summary>Neighbor requests sent (overlay maintenance).</summary>
    public long NeighborSent;

    /// <summary>Disconnect notices sent (a request refused, a peer evicted, or a frame from a non-peer when the set is full).</summary>
    public long DisconnectSent;

    /// <summary>Splice frames sent (offers, introductions, requests and handoffs; <see cref="BroadcastOptions.OverlaySplice"/>).</summary>
    public long SpliceSent;

    /// <summary>Splices made as the full member: one of its links handed to a short member, which it linked with instead.</summary>
    public long Splices;

    /// <summary>Tree frames sent (<see cref="BroadcastOptions.SharedTree"/>).</summary>
    public long TreeSent;

    /// <summary>Times the parent toward the root in force changed, or the root in force changed (<see cref="BroadcastOptions.SharedTree"/>).</summary>
    public long TreeParentChanges;
}
