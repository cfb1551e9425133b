using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Plumtree.Broadcast;
using Plumtree.Transport;
using Plumtree.Wire;

namespace Plumtree.Benchmarks;

/// <summary>
/// The send side of the node's hot path, engine and transport together: a broadcast engine with
/// <see cref="EagerPeers"/> eager peers (no lazy ones) whose output is the real stream transport, wired as
/// <c>PlumtreeNode</c>'s sink does (peer name → address, then <see cref="PlumtreeStreamTransport.Send(string, IPEndPoint, in PlumtreeFrame)"/>;
/// the engine's eager push is encoded once and shared by the peers' queues).
/// Every peer is a loopback socket that reads and discards what arrives, so the figures are the sender's alone.
/// <c>Broadcast</c>: one new message fanned out to every eager peer. <c>ForwardGossip</c>: one Gossip decoded
/// from the stream format (the payload copy every inbound Gossip costs), received by the engine and forwarded
/// to the other eager peers. One operation is one message; an invocation sends <see cref="Messages"/> of them
/// and waits until every byte has reached the peers' sockets.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private const int Messages = 1_000;
    private readonly byte[] _payload = new byte[1024];
    private readonly byte[] _inbound = new byte[2048];
    private Sinks _sinks = null!;
    private PlumtreeStreamTransport _transport = null!;
    private BroadcastEngine _engine = null!;
    private string[] _peers = [];
    private int _frameLength;
    private ulong _nextId;
    private TimeSpan _now;

    /// <summary>Eager peers of the node.</summary>
    [Params(4, 8)]
    public int EagerPeers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _peers = Enumerable.Range(0, EagerPeers).Select(i => $"p{i}").ToArray();
        _sinks = new Sinks(EagerPeers);
        _transport = new PlumtreeStreamTransport(new PlumtreeStreamOptions { NodeName = "self", QueueCapacity = 4 * Messages });
        var addresses = new Dictionary<string, IPEndPoint>(StringComparer.Ordinal);
        for (var i = 0; i < _peers.Length; i++)
        {
            addresses[_peers[i]] = _sinks.EndPoints[i];
        }

        var options = new BroadcastOptions { EagerFanout = EagerPeers, LazyFanout = 0, HashRing = false };
        _engine = new BroadcastEngine("self", options, new TransportSink(_transport, addresses), new Random(1));
        _engine.SetView(PeerView.Create(["self", .. _peers]), TimeSpan.Zero);
        foreach (var peer in _peers)
        {
            _engine.Receive(peer, PlumtreeFrame.Neighbor(false), TimeSpan.Zero);
            _engine.Receive(peer, PlumtreeFrame.Graft(MessageId.Empty, 0), TimeSpan.Zero);
        }

        if (_engine.EagerPeers.Count != EagerPeers)
        {
            throw new InvalidOperationException($"benchmark setup: expected {EagerPeers} eager peers, got {_engine.EagerPeers.Count}");
        }

        _frameLength = PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Gossip(new MessageId(1, 1), 1, _payload));
        _now = TimeSpan.FromSeconds(1);

        // Warm up: connect every peer and let the preambles through.
        Broadcast();
        ForwardGossip();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sinks.Dispose();
    }

    /// <summary>A new message from this node to all eager peers.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void Broadcast()
    {
        var target = _sinks.Received + ((long)Messages * EagerPeers * _frameLength);
        for (var i = 0; i < Messages; i++)
        {
            _now += TimeSpan.FromTicks(100);
            _engine.Broadcast(new MessageId(2, ++_nextId), _payload, _now);
        }

        _sinks.WaitFor(target);
    }

    /// <summary>A Gossip from one eager peer, decoded, delivered and forwarded to the other eager peers.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void ForwardGossip()
    {
        var target = _sinks.Received + ((long)Messages * (EagerPeers - 1) * _frameLength);
        for (var i = 0; i < Messages; i++)
        {
            _now += TimeSpan.FromTicks(100);
            var length = PlumtreeFrameCodec.Encode(PlumtreeFrame.Gossip(new MessageId(3, ++_nextId), 2, _payload), _inbound, _inbound.Length);
            var sequence = new ReadOnlySequence<byte>(_inbound, 0, length);
            if (!PlumtreeFrameCodec.TryReadFrame(ref sequence, _inbound.Length, out var frame))
            {
                throw new InvalidOperationException("benchmark: the Gossip did not decode");
            }

            _engine.Receive(_peers[i % _peers.Length], frame, _now);
        }

        _sinks.WaitFor(target);
    }

    /// <summary>As <c>PlumtreeNode</c>'s sink: look the peer's address up, hand the frame to the transport.</summary>
    private sealed class TransportSink(PlumtreeStreamTransport transport, Dictionary<string, IPEndPoint> addresses) : IBroadcastOutput
    {
        public void Send(string peer, in PlumtreeFrame frame)
        {
            if (!transport.Send(peer, addresses[peer], frame))
            {
                throw new InvalidOperationException("benchmark: a frame was dropped");
            }
        }

        /// <summary>The engine's eager push: encoded once, the bytes shared by every peer's queue.</summary>
        public void Send(ReadOnlySpan<string> peers, in PlumtreeFrame frame)
        {
            using var encoded = transport.Encode(frame);
            foreach (var peer in peers)
            {
                if (!transport.Send(peer, addresses[peer], encoded))
                {
                    throw new InvalidOperationException("benchmark: a frame was dropped");
                }
            }
        }

        public void Deliver(in Delivery delivery)
        {
        }
    }

    /// <summary>Loopback listeners that accept the transport's connections and count and discard every byte.</summary>
    private sealed class Sinks : IDisposable
    {
        private readonly List<Socket> _sockets = [];
        private readonly CancellationTokenSource _stop = new();
        private long _received;

        public Sinks(int count)
        {
            EndPoints = new IPEndPoint[count];
            for (var i = 0; i < count; i++)
            {
                var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                listener.Listen(16);
                _sockets.Add(listener);
                EndPoints[i] = (IPEndPoint)listener.LocalEndPoint!;
                _ = AcceptAsync(listener);
            }
        }

        public IPEndPoint[] EndPoints { get; }

        public long Received => Interlocked.Read(ref _received);

        public void WaitFor(long bytes)
        {
            var spinner = new SpinWait();
            var deadline = Environment.TickCount64 + 60_000;
            while (Received < bytes)
            {
                if (Environment.TickCount64 > deadline)
                {
                    throw new TimeoutException($"benchmark: {Received} of {bytes} bytes arrived");
                }

                spinner.SpinOnce();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    socket.Dispose();
                }
            }
        }

        private async Task AcceptAsync(Socket listener)
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptAsync(_stop.Token);
                    lock (_sockets)
                    {
                        _sockets.Add(socket);
                    }

                    _ = DrainAsync(socket);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task DrainAsync(Socket socket)
        {
            var buffer = new byte[256 * 1024];
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                {
                    Interlocked.Add(ref _received, read);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
