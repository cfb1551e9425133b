namespace Plumtree.Membership;

/// <summary>
/// The SWIM/Lifeguard formulas of HashiCorp memberlist (<c>util.go</c>, <c>suspicion.go</c>), computed the
/// way Go computes them (the same truncations), so that detection times match Go nodes. memberlist-wire.md
/// §15 and performance-anchors.md §4.2 state them.
/// </summary>
internal static class MembershipFormulas
{
    /// <summary>Above this many nodes the push/pull interval is stretched.</summary>
    public const int PushPullScaleThreshold = 32;

    /// <summary>
    /// Suspicion minimum: <c>SuspicionMult × max(1, log10(max(1, n))) × ProbeInterval</c>, with the node scale
    /// truncated to thousandths as Go does.
    /// </summary>
    /// <param name="suspicionMult">memberlist's <c>SuspicionMult</c>.</param>
    /// <param name="nodes">Known nodes, including dead and left ones not yet forgotten.</param>
    /// <param name="probeInterval">memberlist's <c>ProbeInterval</c>.</param>
    public static TimeSpan SuspicionMin(int suspicionMult, int nodes, TimeSpan probeInterval)
    {
        var nodeScale = Math.Max(1.0, Math.Log10(Math.Max(1.0, nodes)));
        var milli = (long)(nodeScale * 1000);
        return TimeSpan.FromTicks(suspicionMult * milli * probeInterval.Ticks / 1000);
    }

    /// <summary>Suspicion maximum: <c>SuspicionMaxTimeoutMult × min</c>.</summary>
    public static TimeSpan SuspicionMax(int suspicionMult, int suspicionMaxTimeoutMult, int nodes, TimeSpan probeInterval) =>
        SuspicionMin(suspicionMult, nodes, probeInterval) * suspicionMaxTimeoutMult;

    /// <summary>
    /// Independent confirmations a suspicion expects: <c>SuspicionMult − 2</c>, or 0 when there are not enough
    /// other nodes to give them (<c>n − 2 &lt; k</c>: the count excludes this node and the suspect).
    /// </summary>
    public static int ExpectedConfirmations(int suspicionMult, int nodes)
    {
        var k = suspicionMult - 2;
        return nodes - 2 < k ? 0 : Math.Max(0, k);
    }

    /// <summary>
    /// Total suspicion timeout, measured from when the suspicion started, after <paramref name="confirmations"/>
    /// confirmations: <c>max</c> with none (<c>min</c> when <paramref name="expected"/> &lt; 1), else
    /// <c>max − (ln(c + 1) / ln(k + 1)) × (max − min)</c> floored to whole milliseconds and never below <c>min</c>.
    /// </summary>
    public static TimeSpan SuspicionTimeout(TimeSpan min, TimeSpan max, int expected, int confirmations)
    {
        if (expected < 1)
        {
            return min;
        }

        if (confirmations <= 0)
        {
            return max;
        }

        var fraction = Math.Log(confirmations + 1.0) / Math.Log(expected + 1.0);
        var raw = max.TotalSeconds - (fraction * (max.TotalSeconds - min.TotalSeconds));
        var timeout = TimeSpan.FromMilliseconds(Math.Floor(1000.0 * raw));
        return timeout < min ? min : timeout;
    }

    /// <summary>Sends of one broadcast before it is dropped: <c>RetransmitMult × ceil(log10(n + 1))</c>.</summary>
    public static int RetransmitLimit(int retransmitMult, int nodes) =>
        retransmitMult * (int)Math.Ceiling(Math.Log10(nodes + 1.0));

    /// <summary>
    /// Push/pull interval for <paramref name="nodes"/> nodes: unchanged up to 32, then multiplied by
    /// <c>ceil(log2(n) − log2(32)) + 1</c> (33–64 ×2, 65–128 ×3, ...).
    /// </summary>
    public static TimeSpan PushPullScale(TimeSpan interval, int nodes)
    {
        if (nodes <= PushPullScaleThreshold)
        {
            return interval;
        }

        var multiplier = Math.Ceiling(Math.Log2(nodes) - Math.Log2(PushPullScaleThreshold)) + 1.0;
        return interval * (long)multiplier;
    }

    /// <summary>The awareness-scaled probe interval: <c>interval × (healthScore + 1)</c>.</summary>
    public static TimeSpan ScaleProbeInterval(TimeSpan interval, int healthScore) => interval * (healthScore + 1);
}
