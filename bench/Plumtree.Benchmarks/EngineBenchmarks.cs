using BenchmarkDotNet.Attributes;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Benchmarks;

/// <summary>
/// The broadcast engine's receive path with 8 peers (4 eager, 4 lazy) and a no-op output: a stream of new
/// Gossip frames (1 KiB payload, batched and unbatched IHave, and batched with a sink that encodes every frame
/// into a reused buffer, as the node does), a stream of duplicates, IHave for a missing message followed by
/// its Gossip, IHave for a known message, a served Graft, and a Prune/Graft pair that moves a peer to lazy and
/// back. Time advances 10 µs per new message and the engine is ticked whenever it asks, as a driver would.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private static readonly string[] Peers = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    private readonly byte[] _payload = new byte[1024];
    private BroadcastEngine _batched = null!;
    private BroadcastEngine _unbatched = null!;
    private BroadcastEngine _duplicates = null!;
    private BroadcastEngine _encoded = null!;
    private BroadcastEngine _announced = null!;
    private BroadcastEngine _links = null!;
    private readonly IHaveEntry[] _announcement = new IHaveEntry[1];
    private ulong _nextId;
    private TimeSpan _now;
    private int _peer;

    [GlobalSetup]
    public void Setup()
    {
        var options = new BroadcastOptions { EagerFanout = 4, LazyFanout = 4, HashRing = false };
        _batched = Create(options);
        _unbatched = Create(options with { IHaveInterval = TimeSpan.Zero });
        _duplicates = Create(options);
        _encoded = Create(options, new EncodingOutput());
        _announced = Create(options);
        _links = Create(options);
        for (var i = 1; i <= 1024; i++)
        {
            _duplicates.Receive(Peers[0], PlumtreeFrame.Gossip(new MessageId(1, (ulong)i), 3, _payload), TimeSpan.Zero);
        }

        if (_duplicates.CacheSize != 1024)
        {
            throw new InvalidOperationException("benchmark setup: expected 1024 cached messages");
        }

        _now = TimeSpan.FromSeconds(1);
        var served = _duplicates.Counters.GossipSent;
        GraftServed();
        if (_duplicates.Counters.GossipSent != served + 1)
        {
            throw new InvalidOperationException("benchmark setup: a graft for a cached message should be served");
        }
    }

    [Benchmark]
    public void NewGossip_batched() => ReceiveNew(_batched);

    [Benchmark]
    public void NewGossip_unbatched() => ReceiveNew(_unbatched);

    [Benchmark]
    public void DuplicateGossip()
    {
        var id = new MessageId(1, (_nextId++ & 1023) + 1);
        _duplicates.Receive(Peers[_peer++ & 7], PlumtreeFrame.Gossip(id, 3, _payload), _now);
    }

    [Benchmark]
    public void NewGossip_batched_encodingSink() => ReceiveNew(_encoded);

    /// <summary>A lazy peer announces a missing message (the graft timer starts), then its Gossip arrives from an eager one.</summary>
    [Benchmark]
    public void IHaveMissing_thenGossip()
    {
        _now += TimeSpan.FromTicks(100);
        var id = new MessageId(3, ++_nextId);
        _announcement[0] = new IHaveEntry(id, 2);
        _announced.Receive(Peers[4 + (_peer & 3)], PlumtreeFrame.IHave(_announcement), _now);
        _announced.Receive(Peers[_peer++ & 3], PlumtreeFrame.Gossip(id, 3, _payload), _now);
        if (_announced.NextTickAt <= _now)
        {
            _announced.Tick(_now);
        }
    }

    /// <summary>A lazy peer announces a message already delivered (the hop optimisation check).</summary>
    [Benchmark]
    public void IHaveKnown()
    {
        _announcement[0] = new IHaveEntry(new MessageId(1, (_nextId++ & 1023) + 1), 2);
        _duplicates.Receive(Peers[4 + (_peer++ & 3)], PlumtreeFrame.IHave(_announcement), _now);
    }

    /// <summary>An eager peer grafts a cached message: the engine sends its Gossip back.</summary>
    [Benchmark]
    public void GraftServed() =>
        _duplicates.Receive(Peers[_peer++ & 3], PlumtreeFrame.Graft(new MessageId(1, (_nextId++ & 1023) + 1), 2), _now);

    /// <summary>An eager peer prunes the link (it becomes lazy), then grafts it back (eager again): two frames.</summary>
    [Benchmark]
    public void PruneThenGraft()
    {
        var peer = Peers[_peer++ & 3];
        _links.Receive(peer, PlumtreeFrame.Prune(), _now);
        _links.Receive(peer, PlumtreeFrame.Graft(MessageId.Empty, 0), _now);
    }

    private void ReceiveNew(BroadcastEngine engine)
    {
        _now += TimeSpan.FromTicks(100); // 10 µs
        engine.Receive(Peers[_peer++ & 3], PlumtreeFrame.Gossip(new MessageId(2, ++_nextId), 3, _payload), _now);
        if (engine.NextTickAt <= _now)
        {
            engine.Tick(_now);
        }
    }

    private static BroadcastEngine Create(BroadcastOptions options, IBroadcastOutput? output = null)
    {
        var engine = new BroadcastEngine("self", options, output ?? NoopOutput.Instance, new Random(1));
        engine.SetView(PeerView.Create(["self", .. Peers]), TimeSpan.Zero);
        foreach (var peer in Peers)
        {
            engine.Receive(peer, PlumtreeFrame.Neighbor(false), TimeSpan.Zero);
        }

        for (var i = 0; i < Peers.Length; i++)
        {
            engine.Receive(Peers[i], i < 4 ? PlumtreeFrame.Graft(MessageId.Empty, 0) : PlumtreeFrame.Prune(), TimeSpan.Zero);
        }

        if (engine.EagerPeers.Count != 4 || engine.LazyPeers.Count != 4)
        {
            throw new InvalidOperationException("benchmark setup: expected 4 eager and 4 lazy peers");
        }

        return engine;
    }

    private sealed class NoopOutput : IBroadcastOutput
    {
        public static readonly NoopOutput Instance = new();

        public void Send(string peer, in PlumtreeFrame frame)
        {
        }

        public void Deliver(in Delivery delivery)
        {
        }
    }

    /// <summary>Encodes every frame into one reused buffer, as the node's sink does before queueing the bytes.</summary>
    private sealed class EncodingOutput : IBroadcastOutput
    {
        private readonly byte[] _buffer = new byte[64 * 1024];

        public int Written { get; private set; }

        public void Send(string peer, in PlumtreeFrame frame) => Written += PlumtreeFrameCodec.Encode(frame, _buffer, _buffer.Length);

        public void Deliver(in Delivery delivery)
        {
        }
    }
}
