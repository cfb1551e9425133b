namespace Plumtree.Membership;

/// <summary>
/// Lifeguard's suspicion timer for one member (memberlist's <c>suspicion</c>): starts at the maximum
/// timeout (the minimum when no confirmations are expected) and shrinks toward the minimum as
/// independent accusers confirm it.
/// </summary>
internal sealed class Suspicion
{
    private readonly HashSet<string> _accusers = new(StringComparer.Ordinal);

    public Suspicion(string from, int expected, TimeSpan min, TimeSpan max, TimeSpan start, long generation)
    {
        _accusers.Add(from);
        Expected = expected;
        Min = min;
        Max = max;
        Start = start;
        Generation = generation;
    }

    /// <summary>Confirmations expected (k).</summary>
    public int Expected { get; }

    public TimeSpan Min { get; }

    public TimeSpan Max { get; }

    public TimeSpan Start { get; }

    /// <summary>The member's state generation the suspicion belongs to.</summary>
    public long Generation { get; }

    /// <summary>Confirmations counted so far.</summary>
    public int Confirmations { get; private set; }

    /// <summary>When the member is declared dead unless refuted.</summary>
    public TimeSpan Deadline => Start + MembershipFormulas.SuspicionTimeout(Min, Max, Expected, Confirmations);

    /// <summary>The timer that fires at <see cref="Deadline"/>.</summary>
    public EngineTimer? Timer { get; set; }

    /// <summary>Counts a confirmation from <paramref name="from"/> unless it already accused or enough did.</summary>
    public bool Confirm(string from)
    {
        if (Confirmations >= Expected || !_accusers.Add(from))
        {
            return false;
        }

        Confirmations++;
        return true;
    }
}
