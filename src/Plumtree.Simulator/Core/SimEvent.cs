using Plumtree.Wire;

namespace Plumtree.Simulator.Core;

/// <summary>What a queued event does.</summary>
internal enum EventKind : byte
{
    /// <summary>A frame arrives at <see cref="SimEvent.To"/>.</summary>
    Frame,

    /// <summary>An engine's scheduled <c>Tick</c> (valid only if it is still the scheduled one).</summary>
    Tick,

    /// <summary>Event mode: the membership view is updated (failure detection completed).</summary>
    ViewChange,
}

/// <summary>
/// One queued event, a plain struct so the queue allocates nothing per frame. A frame is stored flat:
/// a single-entry IHave keeps its (id, hop) inline; only multi-entry IHaves carry an array.
/// </summary>
internal struct SimEvent
{
    public EventKind Kind;
    public FrameType FrameType;
    public bool Flag;
    public int From;
    public int To;
    public int Hop;
    public MessageId Id;
    public ReadOnlyMemory<byte> Payload;
    public IHaveEntry[]? Entries;

    /// <summary>Tick: the scheduled time this event stands for; ViewChange: unused.</summary>
    public long Stamp;
}

/// <summary>Queue order: virtual time, then insertion sequence (deterministic ties).</summary>
internal readonly record struct EventKey(long Time, long Seq);

/// <summary>Orders <see cref="EventKey"/>s by time, then sequence.</summary>
internal sealed class EventKeyComparer : IComparer<EventKey>
{
    public static readonly EventKeyComparer Instance = new();

    public int Compare(EventKey x, EventKey y)
    {
        var c = x.Time.CompareTo(y.Time);
        return c != 0 ? c : x.Seq.CompareTo(y.Seq);
    }
}

/// <summary>The discrete-event queue: a binary heap of struct events ordered by (time, sequence).</summary>
internal sealed class EventQueue
{
    private readonly PriorityQueue<SimEvent, EventKey> _heap = new(1 << 16, EventKeyComparer.Instance);
    private long _seq;

    public int Count => _heap.Count;

    public void Enqueue(long time, in SimEvent ev) => _heap.Enqueue(ev, new EventKey(time, _seq++));

    public bool TryPeekTime(out long time)
    {
        if (_heap.TryPeek(out _, out var key))
        {
            time = key.Time;
            return true;
        }

        time = 0;
        return false;
    }

    public SimEvent Dequeue(out long time)
    {
        _heap.TryDequeue(out var ev, out var key);
        time = key.Time;
        return ev;
    }
}
