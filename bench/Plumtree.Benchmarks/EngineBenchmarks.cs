using BenchmarkDotNet.Attributes;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Benchmarks;

/// <summary>
/// The broadcast engine's receive path with 8 peers (4 eager, 4 lazy) and a no-op output: a stream of new
/// Gossip frames (1 KiB payload, batched and unbatched IHave) and a stream of duplicates. Time advances
/// 10 µs per frame and the engine is ticked whenever it asks, as a driver would.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private static readonly string[] Peers = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    private readonly byte[] _payload = new byte[1024];
    private BroadcastEngine _batched = null!;
    private BroadcastEngine _unbatched = null!;
    private BroadcastEngine _duplicates = null!;
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
        for (var i = 1; i <= 1024; i++)
        {
            _duplicates.Receive(Peers[0], PlumtreeFrame.Gossip(new MessageId(1, (ulong)i), 3, _payload), TimeSpan.Zero);
        }

        _now = TimeSpan.FromSeconds(1);
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

    private void ReceiveNew(BroadcastEngine engine)
    {
        _now += TimeSpan.FromTicks(100); // 10 µs
        engine.Receive(Peers[_peer++ & 3], PlumtreeFrame.Gossip(new MessageId(2, ++_nextId), 3, _payload), _now);
        if (engine.NextTickAt <= _now)
        {
            engine.Tick(_now);
        }
    }

    private static BroadcastEngine Create(BroadcastOptions options)
    {
        var engine = new BroadcastEngine("self", options, NoopOutput.Instance, new Random(1));
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
}
