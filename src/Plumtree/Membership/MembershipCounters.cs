namespace Plumtree.Membership;

/// <summary>
/// Monotonic counters kept by the membership engine. The engine increments them from its single writer;
/// readers on other threads see each field atomically (64-bit reads) but not a consistent set.
/// </summary>
internal sealed class MembershipCounters
{
    /// <summary>Direct probes (UDP pings) sent by the probe loop.</summary>
    public long ProbesSent;

    /// <summary>Probes that got no ack at all (the target was then suspected).</summary>
    public long ProbeFailures;

    /// <summary>Indirect ping requests sent to helpers.</summary>
    public long IndirectProbesSent;

    /// <summary>TCP fallback pings started.</summary>
    public long TcpPingsSent;

    /// <summary>Probes saved only by the TCP fallback ping (UDP to the target looks broken).</summary>
    public long TcpPingOnlySuccesses;

    /// <summary>Nacks received from helpers.</summary>
    public long NacksReceived;

    /// <summary>Indirect ping requests served for others (helper side).</summary>
    public long IndirectPingsServed;

    /// <summary>Nacks sent as a helper.</summary>
    public long NacksSent;

    /// <summary>Members this node marked suspect (its own probes or gossip from others).</summary>
    public long SuspicionsRaised;

    /// <summary>Suspicion confirmations counted (a new accuser of an already suspect member).</summary>
    public long SuspicionConfirmations;

    /// <summary>Times this node refuted a suspect, dead or conflicting alive message about itself.</summary>
    public long Refutes;

    /// <summary>Suspicions that ran out here, making this node declare the member dead.</summary>
    public long DeadDetected;

    /// <summary>Push/pull exchanges started by this node (periodic and join).</summary>
    public long PushPullsStarted;

    /// <summary>Push/pull exchanges answered for others.</summary>
    public long PushPullsReceived;

    /// <summary>Push/pull exchanges whose remote state was merged.</summary>
    public long PushPullsMerged;

    /// <summary>Push/pull exchanges that failed (transport error or version check).</summary>
    public long PushPullFailures;

    /// <summary>Gossip parts sent (alive, suspect, dead and user broadcasts), including piggybacked ones.</summary>
    public long GossipMessagesSent;

    /// <summary>Gossip parts received (alive, suspect, dead and user messages).</summary>
    public long GossipMessagesReceived;

    /// <summary>Packets handed to the runtime for sending.</summary>
    public long PacketsSent;

    /// <summary>Alive messages ignored because the name is held by another address.</summary>
    public long Conflicts;

    /// <summary>Messages ignored as malformed or out of place (bad versions, unusable addresses, wrong type).</summary>
    public long Ignored;

    /// <summary>Dead and left members forgotten after <c>GossipToTheDeadTime</c>.</summary>
    public long Reaped;
}
