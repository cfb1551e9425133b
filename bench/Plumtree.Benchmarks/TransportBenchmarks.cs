using System.Net;
using BenchmarkDotNet.Attributes;
using Plumtree.Broadcast;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Benchmarks;

/// <summary>
/// Loopback throughput of the Plumtree stream transport: one operation sends a burst of 10,000 Gossip
/// frames from node a to node b over a warm connection and waits until b has raised all of them
/// (plaintext and sealed, 100 B and 1 KiB payloads). Also a memberlist push/pull round trip
/// (dial, request, reply, close). Real sockets on 127.0.0.1; figures depend on the machine.
/// </summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    private const int Burst = 10_000;
    private TransportPair? _pair;
    private PlumtreeFrame[] _frames = [];
    private PushPull _state = null!;
    private TaskCompletionSource _done = new();
    private int _received;

    /// <summary>Seal every record with AES-GCM.</summary>
    [Params(false, true)]
    public bool Encrypted { get; set; }

    /// <summary>Gossip payload size.</summary>
    [Params(100, 1024)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var keyring = Encrypted ? new Keyring(new byte[32]) : null;
        _pair = new TransportPair(keyring, (_, _, _) =>
        {
            if (Interlocked.Increment(ref _received) == Burst)
            {
                _done.TrySetResult();
            }
        });
        var payload = new byte[PayloadSize];
        _frames = Enumerable.Range(0, Burst).Select(i => PlumtreeFrame.Gossip(new MessageId(1, (ulong)i + 1), 1, payload)).ToArray();
        _state = new PushPull(false, [new PushNodeState("a", [127, 0, 0, 1], 7946, null, 1, NodeStateKind.Alive, ProtocolVersions.PlainMemberlist)], []);
        SendBurst().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _pair?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>10,000 frames a → b, until b has them all.</summary>
    [Benchmark(OperationsPerInvoke = Burst)]
    public Task SendBurst()
    {
        _received = 0;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var frame in _frames)
        {
            if (!_pair!.A.Send("b", _pair.BEndPoint, frame))
            {
                throw new InvalidOperationException("A frame was dropped.");
            }
        }

        return _done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>One push/pull a → b.</summary>
    [Benchmark]
    public Task PushPullRoundTrip() => _pair!.AMemberlist.PushPullAsync(_pair.BEndPoint, _state);

    private sealed class TransportPair : IAsyncDisposable
    {
        private readonly MemberlistTransport _bMemberlist;
        private readonly PlumtreeStreamTransport _b;

        public TransportPair(Keyring? keyring, FrameReceivedHandler handler)
        {
            AMemberlist = MemberlistTransport.Bind(new MemberlistTransportOptions { NodeName = "a", BindAddress = IPAddress.Loopback, BindPort = 0, Keyring = keyring });
            _bMemberlist = MemberlistTransport.Bind(new MemberlistTransportOptions { NodeName = "b", BindAddress = IPAddress.Loopback, BindPort = 0, Keyring = keyring });
            A = new PlumtreeStreamTransport(new PlumtreeStreamOptions { NodeName = "a", Keyring = keyring, QueueCapacity = Burst });
            _b = new PlumtreeStreamTransport(new PlumtreeStreamOptions { NodeName = "b", Keyring = keyring, InboundFramesPerSecond = 0 }) { FrameReceived = handler };
            _bMemberlist.PlumtreeAcceptor = _b.AcceptAsync;
            var bState = new PushPull(false, [new PushNodeState("b", [127, 0, 0, 1], 7946, null, 1, NodeStateKind.Alive, ProtocolVersions.PlainMemberlist)], []);
            _bMemberlist.PushPullRequested = (_, _, _) => ValueTask.FromResult(bState);
            AMemberlist.Start();
            _bMemberlist.Start();
        }

        public MemberlistTransport AMemberlist { get; }

        public PlumtreeStreamTransport A { get; }

        public IPEndPoint BEndPoint => _bMemberlist.LocalEndPoint;

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await _b.DisposeAsync();
            await AMemberlist.DisposeAsync();
            await _bMemberlist.DisposeAsync();
        }
    }
}
