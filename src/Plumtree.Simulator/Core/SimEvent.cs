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

    // The in-order lane: a ring of (event, key) read and written in place (a Queue of 90-byte tuples copied every
    // entry out on each peek and dequeue; a cycle of 100,000 nodes moves 400,000 frames through this lane).
    private Slot[] _ring = new Slot[1 << 16];
    private int _ringHead;
    private int _ringCount;
    private long _fifoLast = long.MinValue;
    private long _seq;

    public int Count => _heap.Count + _ringCount;

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
        if (_ringCount == _ring.Length)
        {
            Grow();
        }

        ref var slot = ref _ring[(_ringHead + _ringCount) & (_ring.Length - 1)];
        slot.Event = ev;
        slot.Key = new EventKey(time, _seq++);
        _ringCount++;
    }

    public bool TryPeekTime(out long time)
    {
        var fromHeap = _heap.TryPeek(out _, out var heapKey);
        if (_ringCount == 0)
        {
            time = fromHeap ? heapKey.Time : 0;
            return fromHeap;
        }

        var ringTime = _ring[_ringHead].Key.Time;
        time = fromHeap ? Math.Min(heapKey.Time, ringTime) : ringTime;
        return true;
    }

    public SimEvent Dequeue(out long time)
    {
        TryDequeue(long.MaxValue, out var ev, out time);
        return ev;
    }

    /// <summary>
    /// Takes the next event when its time is at most <paramref name="maxTime"/>. Returns false when the queue is empty
    /// (<paramref name="time"/> is then <see cref="long.MaxValue"/>) or the next event is later (<paramref name="time"/> is its time).
    /// </summary>
    public bool TryDequeue(long maxTime, out SimEvent ev, out long time)
    {
        var fromHeap = _heap.Count > 0;
        var heapKey = default(EventKey);
        if (fromHeap)
        {
            _heap.TryPeek(out _, out heapKey);
        }

        if (_ringCount > 0)
        {
            ref var head = ref _ring[_ringHead];
            if (!fromHeap || EventKeyComparer.Instance.Compare(head.Key, heapKey) < 0)
            {
                time = head.Key.Time;
                if (time > maxTime)
                {
                    ev = default;
                    return false;
                }

                ev = head.Event;
                head.Event = default; // release the payload and entries to the GC
                _ringHead = (_ringHead + 1) & (_ring.Length - 1);
                _ringCount--;
                return true;
            }
        }

        if (!fromHeap)
        {
            ev = default;
            time = long.MaxValue;
            return false;
        }

        time = heapKey.Time;
        if (time > maxTime)
        {
            ev = default;
            return false;
        }

        _heap.TryDequeue(out ev, out _);
        return true;
    }

    private void Grow()
    {
        var grown = new Slot[_ring.Length * 2];
        for (var i = 0; i < _ringCount; i++)
        {
            grown[i] = _ring[(_ringHead + i) & (_ring.Length - 1)];
        }

        _ring = grown;
        _ringHead = 0;
    }

    private struct Slot
    {
        public SimEvent Event;
        public EventKey Key;
    }
}
