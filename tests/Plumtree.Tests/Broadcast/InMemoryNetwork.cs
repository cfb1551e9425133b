using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// A deterministic in-memory network of engines: frames travel with a fixed delay, engines are ticked when
/// they ask, and events at the same time run in the order they were scheduled. Nodes can be killed (their
/// frames are dropped) and the view changed. Counts payload frames per message for RMR.
/// </summary>
internal sealed class InMemoryNetwork
{
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Event, (TimeSpan At, long Seq)> _events = new();
    private long _seq;

    /// <summary>
    /// <c>legacy</c> picks the nodes (by index) that run the previous release: engines without the splice rule, marked
    /// legacy in every view, that drop Splice frames as that release's transport does.
    /// </summary>
    public InMemoryNetwork(int count, BroadcastOptions options, int seed, TimeSpan? delay = null, Func<int, bool>? legacy = null)
    {
        Delay = delay ?? TimeSpan.FromMilliseconds(1);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var name = $"node-{i:D3}";
            var node = new Node(this, name);
            var old = legacy?.Invoke(i) == true;
            if (old)
            {
                Legacy.Add(name);
            }

            node.Engine = new BroadcastEngine(name, old ? options with { OverlaySplice = false } : options, node, new Random(random.Next()));
            _nodes.Add(name, node);
            Names.Add(name);
        }
    }

    public TimeSpan Delay { get; }

    /// <summary>A fixed delay per link (from, to) instead of <see cref="Delay"/>; null: <see cref="Delay"/> for every link.</summary>
    public Func<string, string, TimeSpan>? LinkDelay { get; init; }

    /// <summary>Up to this much more delay per frame, uniformly random; frames on one link stay in order (as on a TCP stream).</summary>
    public TimeSpan Jitter { get; init; }

    private readonly Random _jitter = new(99);

    private readonly Dictionary<(string From, string To), TimeSpan> _linkTail = [];

    public TimeSpan Now { get; private set; }

    public List<string> Names { get; } = [];

    /// <summary>Nodes running the previous release (see the constructor).</summary>
    public HashSet<string> Legacy { get; } = new(StringComparer.Ordinal);

    /// <summary>Splice frames addressed to a legacy node ("from→to kind"): each would be a decode error there.</summary>
    public List<string> SplicesToLegacy { get; } = [];

    public IEnumerable<Node> Live => _nodes.Values.Where(n => n.Alive);

    public Node this[string name] => _nodes[name];

    /// <summary>Payload (Gossip) frames received per message id.</summary>
    public Dictionary<MessageId, int> PayloadReceived { get; } = [];

    /// <summary>Frames sent, by type.</summary>
    public Dictionary<FrameType, long> FramesSent { get; } = [];

    public long EventsRun { get; private set; }

    /// <summary>Gives every live node a view of the live nodes.</summary>
    public void SetViewToLive()
    {
        var view = PeerView.Create(Live.Select(n => n.Name), Now.Ticks).WithLegacyMembers(Legacy);
        foreach (var node in Live)
        {
            node.Engine.SetView(view, Now);
            node.ScheduleTick();
        }
    }

    public void Kill(string name) => _nodes[name].Alive = false;

    public void Broadcast(string from, MessageId id, byte[] payload)
    {
        var node = _nodes[from];
        node.Engine.Broadcast(id, payload, Now);
        node.ScheduleTick();
    }

    /// <summary>
    /// Runs until no frame is in flight and no tick is due within <paramref name="idle"/> of the last event
    /// (ticks further out, such as backed-off overlay repair, are left for later).
    /// </summary>
    public void RunUntilQuiescent(TimeSpan idle, long maxEvents = 5_000_000)
    {
        var last = Now;
        var limit = EventsRun + maxEvents;
        while (_events.TryPeek(out var next, out var key))
        {
            if (next.Frame is null && key.At > last + idle)
            {
                break;
            }

            if (EventsRun >= limit)
            {
                throw new InvalidOperationException("The network did not quiesce.");
            }

            if (RunOne())
            {
                last = Now;
            }
        }
    }

    /// <summary>Runs the next event; true when it did something (a frame was received or a due tick ran).</summary>
    private bool RunOne()
    {
        _events.TryDequeue(out var next, out var key);
        Now = key.At > Now ? key.At : Now;
        EventsRun++;
        var target = _nodes[next!.To];
        if (!target.Alive)
        {
            return false;
        }

        var acted = false;
        if (next.Frame is { } frame)
        {
            if (frame.Type == FrameType.Gossip)
            {
                PayloadReceived[frame.Id] = PayloadReceived.GetValueOrDefault(frame.Id) + 1;
            }

            target.Engine.Receive(next.From!, frame, Now);
            acted = true;
        }
        else if (target.TickFired() && target.Engine.NextTickAt is { } due && due <= Now)
        {
            target.Engine.Tick(Now);
            acted = true;
        }

        target.ScheduleTick();
        return acted;
    }

    /// <summary>Runs every event (frames and ticks) due up to <paramref name="at"/>, then sets the clock there.</summary>
    public void RunUntil(TimeSpan at)
    {
        while (_events.TryPeek(out _, out var key) && key.At <= at)
        {
            RunOne();
        }

        Now = at > Now ? at : Now;
    }

    private void Enqueue(TimeSpan at, Event e) => _events.Enqueue(e, (at, _seq++));

    /// <summary>When a frame sent now on link from → to arrives: the delay plus jitter, never before the link's previous frame.</summary>
    private TimeSpan ArrivalTime(string from, string to)
    {
        var at = Now + (LinkDelay?.Invoke(from, to) ?? Delay);
        if (Jitter > TimeSpan.Zero)
        {
            at += Jitter * _jitter.NextDouble();
            if (_linkTail.TryGetValue((from, to), out var tail) && tail > at)
            {
                at = tail;
            }

            _linkTail[(from, to)] = at;
        }

        return at;
    }

    internal sealed class Node(InMemoryNetwork network, string name) : IBroadcastOutput
    {
        private TimeSpan? _scheduled;

        public string Name { get; } = name;

        public bool Alive { get; set; } = true;

        public BroadcastEngine Engine { get; set; } = null!;

        public Dictionary<MessageId, int> Deliveries { get; } = [];

        public List<Delivery> Delivered { get; } = [];

        public IEnumerable<string> Peers => Engine.EagerPeers.Concat(Engine.LazyPeers);

        public void Send(string peer, in PlumtreeFrame frame)
        {
            network.FramesSent[frame.Type] = network.FramesSent.GetValueOrDefault(frame.Type) + 1;
            if (frame.Type == FrameType.Splice && network.Legacy.Contains(peer))
            {
                network.SplicesToLegacy.Add($"{Name}→{peer} {frame.SpliceKind}");
                return; // the previous release skips the unknown frame type
            }

            network.Enqueue(network.ArrivalTime(Name, peer), new Event(Name, peer, RecordingOutput.Own(frame)));
        }

        public void Deliver(in Delivery delivery)
        {
            Deliveries[delivery.Id] = Deliveries.GetValueOrDefault(delivery.Id) + 1;
            Delivered.Add(delivery);
        }

        /// <summary>Schedules a tick at the engine's NextTickAt unless one is already scheduled no later.</summary>
        public void ScheduleTick()
        {
            if (Engine.NextTickAt is not { } due)
            {
                return;
            }

            var at = due < network.Now ? network.Now : due;
            if (_scheduled is { } s && s <= at)
            {
                return;
            }

            _scheduled = at;
            network.Enqueue(at, new Event(null, Name, null));
        }

        /// <summary>A tick event for this node came up: forget it so the next one can be scheduled.</summary>
        internal bool TickFired()
        {
            _scheduled = null;
            return true;
        }
    }

    private sealed record Event(string? From, string To, PlumtreeFrame? Frame);
}
