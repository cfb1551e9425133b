using Plumtree.Broadcast;

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

    /// <summary>A sync engine's scheduled <c>Tick</c> (valid only if it is still the scheduled one).</summary>
    SyncTick,

    /// <summary>Event mode, <c>--partition-views split</c>: membership has detected the partition.</summary>
    PartitionDetected,
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

/// <summary>
/// The discrete-event queue, ordered by (time, sequence). Two lanes share one sequence counter: a binary heap
/// for arbitrary times, and a FIFO for events enqueued in non-decreasing time order (frames over a constant
/// link delay, i.e. cycle mode), which then cost O(1) instead of O(log n). Dequeue takes the smaller head,
/// so the order is exactly that of a single heap.
/// </summary>
internal sealed class EventQueue
{
    private readonly PriorityQueue<SimEvent, EventKey> _heap = new(1 << 12, EventKeyComparer.Instance);
    private readonly Queue<(SimEvent Event, EventKey Key)> _fifo = new(1 << 16);
    private long _fifoLast = long.MinValue;
    private long _seq;

    public int Count => _heap.Count + _fifo.Count;

    public void Enqueue(long time, in SimEvent ev) => _heap.Enqueue(ev, new EventKey(time, _seq++));

    /// <summary>Enqueues an event whose time is not earlier than the previous in-order one (else it goes to the heap).</summary>
    public void EnqueueInOrder(long time, in SimEvent ev)
    {
        if (time < _fifoLast)
        {
            Enqueue(time, ev);
            return;
        }

        _fifoLast = time;
        _fifo.Enqueue((ev, new EventKey(time, _seq++)));
    }

    public bool TryPeekTime(out long time)
    {
        var fromHeap = _heap.TryPeek(out _, out var heapKey);
        var fromFifo = _fifo.TryPeek(out var head);
        if (!fromHeap && !fromFifo)
        {
            time = 0;
            return false;
        }

        time = !fromFifo ? heapKey.Time : !fromHeap ? head.Key.Time : Math.Min(heapKey.Time, head.Key.Time);
        return true;
    }

    public SimEvent Dequeue(out long time)
    {
        var fromHeap = _heap.TryPeek(out _, out var heapKey);
        if (_fifo.TryPeek(out var head) && (!fromHeap || EventKeyComparer.Instance.Compare(head.Key, heapKey) < 0))
        {
            _fifo.Dequeue();
            time = head.Key.Time;
            return head.Event;
        }

        _heap.TryDequeue(out var ev, out var key);
        time = key.Time;
        return ev;
    }
}
