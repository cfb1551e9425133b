namespace Plumtree.Membership;

/// <summary>
/// The engine's timers: callbacks due at engine times, run in (due, creation) order by <see cref="RunDue"/>.
/// Cancelled timers are dropped lazily. Not thread-safe (one writer).
/// </summary>
internal sealed class TimerQueue
{
    private readonly PriorityQueue<EngineTimer, (TimeSpan Due, long Order)> _queue = new();
    private long _order;

    /// <summary>Live and cancelled timers still queued.</summary>
    public int Count => _queue.Count;

    /// <summary>Schedules <paramref name="action"/> (given the tick's <c>now</c>) at <paramref name="due"/>.</summary>
    public EngineTimer Schedule(TimeSpan due, Action<TimeSpan> action)
    {
        var timer = new EngineTimer(due, action);
        _queue.Enqueue(timer, (due, _order++));
        return timer;
    }

    /// <summary>The earliest due time of a live timer, or <see langword="null"/>.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            while (_queue.TryPeek(out var timer, out var key))
            {
                if (!timer.Cancelled)
                {
                    return key.Due;
                }

                _queue.Dequeue();
            }

            return null;
        }
    }

    /// <summary>Runs every live timer due at or before <paramref name="now"/>, including ones scheduled meanwhile.</summary>
    public void RunDue(TimeSpan now)
    {
        while (_queue.TryPeek(out var timer, out var key) && key.Due <= now)
        {
            _queue.Dequeue();
            if (!timer.Cancelled)
            {
                timer.Cancel();
                timer.Action(now);
            }
        }
    }
}

/// <summary>One scheduled callback of a <see cref="TimerQueue"/>.</summary>
internal sealed class EngineTimer
{
    internal EngineTimer(TimeSpan due, Action<TimeSpan> action)
    {
        Due = due;
        Action = action;
    }

    /// <summary>When it fires.</summary>
    public TimeSpan Due { get; }

    /// <summary>Cancelled, or already fired.</summary>
    public bool Cancelled { get; private set; }

    internal Action<TimeSpan> Action { get; }

    /// <summary>Stops it from firing.</summary>
    public void Cancel() => Cancelled = true;
}
