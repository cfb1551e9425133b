using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>The membership counters the metrics publish, summed over every engine the node has run (a rejoin starts a fresh one).</summary>
/// <param name="Probes">Direct probes sent.</param>
/// <param name="ProbeFailures">Probes without an ack.</param>
/// <param name="Suspicions">Suspicions raised.</param>
/// <param name="Refutes">Accusations refuted.</param>
/// <param name="PushPulls">Push/pull exchanges started or answered.</param>
internal sealed record MembershipTotals(long Probes, long ProbeFailures, long Suspicions, long Refutes, long PushPulls)
{
    /// <summary>Nothing counted.</summary>
    public static MembershipTotals Zero { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Reads an engine's counters (field by field; each read is atomic).</summary>
    public static MembershipTotals From(MembershipCounters? counters) => counters is null
        ? Zero
        : new(
            Volatile.Read(ref counters.ProbesSent),
            Volatile.Read(ref counters.ProbeFailures),
            Volatile.Read(ref counters.SuspicionsRaised),
            Volatile.Read(ref counters.Refutes),
            Volatile.Read(ref counters.PushPullsStarted) + Volatile.Read(ref counters.PushPullsReceived));

    /// <summary>Sum.</summary>
    public static MembershipTotals operator +(MembershipTotals a, MembershipTotals b) =>
        new(a.Probes + b.Probes, a.ProbeFailures + b.ProbeFailures, a.Suspicions + b.Suspicions, a.Refutes + b.Refutes, a.PushPulls + b.PushPulls);
}

/// <summary>The counters of engines replaced so far, and the live engine's (published as one reference, so sums never go back).</summary>
/// <param name="Retired">Totals of replaced engines.</param>
/// <param name="Live">The running engine's counters.</param>
internal sealed record MembershipCounterSource(MembershipTotals Retired, MembershipCounters? Live)
{
    /// <summary>Everything counted so far.</summary>
    public MembershipTotals Total => Retired + MembershipTotals.From(Live);
}
