namespace Plumtree.Broadcast;

/// <summary>
/// A message announced by IHave but not yet received: who announced it (in arrival order, with the hop each
/// announced), which announcer is next to graft, how many grafts were sent in the current round, and the
/// repair rounds run for it (see <c>BroadcastEngine.Repair.cs</c>). Pooled by the engine.
/// </summary>
internal sealed class PendingGraft
{
    private readonly string?[] _announcers;
    private readonly int[] _hops;
    private readonly TimeSpan[] _arrivals;

    public PendingGraft(int maxAnnouncers)
    {
        _announcers = new string?[maxAnnouncers];
        _hops = new int[maxAnnouncers];
        _arrivals = new TimeSpan[maxAnnouncers];
    }

    /// <summary>Announcers remembered.</summary>
    public int Count { get; private set; }

    /// <summary>Index of the next announcer to graft.</summary>
    public int Next { get; private set; }

    /// <summary>Grafts sent so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Identifies the current timer; bumped on every (re)schedule and on release so older timers are stale.</summary>
    public int Stamp { get; private set; }

    /// <summary>True while the object tracks a missing message (false in the pool).</summary>
    public bool InUse { get; set; }

    /// <summary>When the message was first announced (the start of the graft latency).</summary>
    public TimeSpan FirstAnnounced { get; set; }

    /// <summary>When the current round of grafts started (the first announcement, then each repair round).</summary>
    public TimeSpan RoundStarted { get; set; }

    /// <summary>Repair rounds started for the message.</summary>
    public int Rounds { get; set; }

    /// <summary>True once a Graft was sent for the message (its arrival then records a graft latency).</summary>
    public bool Grafted { get; set; }

    /// <summary>True between rounds: the current round ran out and the next repair round is scheduled.</summary>
    public bool Dormant { get; set; }

    /// <summary>Remembers an announcer (whose announcement arrived at <paramref name="arrived"/>) unless it is already known or the list is full.</summary>
    public bool TryAdd(string announcer, int hop, TimeSpan arrived)
    {
        for (var i = 0; i < Count; i++)
        {
            if (string.Equals(_announcers[i], announcer, StringComparison.Ordinal))
            {
                return false;
            }
        }

        if (Count == _announcers.Length)
        {
            return false;
        }

        _announcers[Count] = announcer;
        _hops[Count] = hop;
        _arrivals[Count] = arrived;
        Count++;
        return true;
    }

    /// <summary>Takes the next announcer to graft (and the hop it announced), or false when none is left.</summary>
    public bool TryTakeNext(out string announcer, out int hop)
    {
        if (Next >= Count)
        {
            announcer = string.Empty;
            hop = 0;
            return false;
        }

        announcer = _announcers[Next]!;
        hop = _hops[Next];
        Next++;
        return true;
    }

    /// <summary>The announcer at <paramref name="index"/> in arrival order (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public string AnnouncerAt(int index) => _announcers[index]!;

    /// <summary>The hop the announcer at <paramref name="index"/> announced.</summary>
    public int HopAt(int index) => _hops[index];

    /// <summary>When the announcement of the announcer at <paramref name="index"/> arrived.</summary>
    public TimeSpan ArrivalAt(int index) => _arrivals[index];

    /// <summary>Forgets announcers <paramref name="remove"/> selects, preserving order and the position of <see cref="Next"/>.</summary>
    public void RemoveWhere(Func<string, bool> remove)
    {
        var kept = 0;
        var next = Next;
        for (var i = 0; i < Count; i++)
        {
            var name = _announcers[i]!;
            if (remove(name))
            {
                if (i < Next)
                {
                    next--;
                }

                continue;
            }

            _announcers[kept] = name;
            _hops[kept] = _hops[i];
            _arrivals[kept] = _arrivals[i];
            kept++;
        }

        Array.Clear(_announcers, kept, Count - kept);
        Count = kept;
        Next = next;
    }

    /// <summary>A new round: every remembered announcer may be grafted again, with a fresh attempt budget.</summary>
    public void RestartRound()
    {
        Next = 0;
        Attempts = 0;
    }

    /// <summary>Starts a new timer generation and returns its stamp.</summary>
    public int Restamp() => ++Stamp;

    /// <summary>Clears the object for reuse.</summary>
    public void Reset()
    {
        Array.Clear(_announcers, 0, Count);
        Count = 0;
        Next = 0;
        Attempts = 0;
        InUse = false;
        FirstAnnounced = default;
        RoundStarted = default;
        Rounds = 0;
        Grafted = false;
        Dormant = false;
        Stamp++;
    }
}
