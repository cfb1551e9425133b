using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Broadcast;

/// <summary>The engine's eager push is one fan-out call; a sink that does not override it sees one call per peer.</summary>
public sealed class FanOutOutputTests
{
    private static readonly string[] Eager = ["e0", "e1", "e2", "e3"];
    private static readonly string[] Lazy = ["l0", "l1"];

    [Fact]
    public void A_new_gossip_is_pushed_in_one_call_to_every_eager_peer_but_its_sender()
    {
        var output = new FanOutRecorder();
        var engine = Create(output);

        engine.Receive("e0", PlumtreeFrame.Gossip(new MessageId(1, 1), 3, new byte[] { 7 }), TimeSpan.FromSeconds(1));

        var call = Assert.Single(output.FanOuts);
        Assert.Equal(["e1", "e2", "e3"], call.Peers.Order(StringComparer.Ordinal));
        Assert.Equal(FrameType.Gossip, call.Frame.Type);
        Assert.Equal(4, call.Frame.Hop);
        Assert.DoesNotContain(output.Single, s => s.Frame.Type == FrameType.Gossip);
        Assert.Equal(3, engine.Counters.GossipSent);
    }

    [Fact]
    public void A_broadcast_is_pushed_in_one_call_to_every_eager_peer()
    {
        var output = new FanOutRecorder();
        var engine = Create(output);

        engine.Broadcast(new MessageId(1, 2), new byte[] { 1, 2 }, TimeSpan.FromSeconds(1));

        var call = Assert.Single(output.FanOuts);
        Assert.Equal(Eager, call.Peers.Order(StringComparer.Ordinal));
        Assert.Equal(1, call.Frame.Hop);
        Assert.Equal(4, engine.Counters.GossipSent);
    }

    [Fact]
    public void The_default_fan_out_sends_to_each_peer_in_order()
    {
        var output = new SingleRecorder();
        IBroadcastOutput sink = output;
        var frame = PlumtreeFrame.Gossip(new MessageId(1, 3), 2, new byte[] { 9 });

        sink.Send(["b", "a", "c"], frame);

        Assert.Equal(["b", "a", "c"], output.Peers);
        Assert.All(output.Frames, f => Assert.Equal(frame.Id, f.Id));
    }

    private static BroadcastEngine Create(IBroadcastOutput output)
    {
        var options = new BroadcastOptions { EagerFanout = 4, LazyFanout = 2, HashRing = false, IHaveInterval = TimeSpan.Zero };
        var engine = new BroadcastEngine("self", options, output, new Random(1));
        engine.SetView(PeerView.Create(["self", .. Eager, .. Lazy]), TimeSpan.Zero);
        foreach (var peer in Eager)
        {
            engine.Receive(peer, PlumtreeFrame.Graft(MessageId.Empty, 0), TimeSpan.Zero);
        }

        foreach (var peer in Lazy)
        {
            engine.Receive(peer, PlumtreeFrame.Prune(), TimeSpan.Zero);
        }

        Assert.Equal(Eager, engine.EagerPeers.Order(StringComparer.Ordinal));
        return engine;
    }

    private sealed class FanOutRecorder : IBroadcastOutput
    {
        public List<(string[] Peers, PlumtreeFrame Frame)> FanOuts { get; } = [];

        public List<(string Peer, PlumtreeFrame Frame)> Single { get; } = [];

        public void Send(string peer, in PlumtreeFrame frame) => Single.Add((peer, frame));

        public void Send(ReadOnlySpan<string> peers, in PlumtreeFrame frame) => FanOuts.Add((peers.ToArray(), frame));

        public void Deliver(in Delivery delivery)
        {
        }
    }

    private sealed class SingleRecorder : IBroadcastOutput
    {
        public List<string> Peers { get; } = [];

        public List<PlumtreeFrame> Frames { get; } = [];

        public void Send(string peer, in PlumtreeFrame frame)
        {
            Peers.Add(peer);
            Frames.Add(frame);
        }

        public void Deliver(in Delivery delivery)
        {
        }
    }
}
