using System.Net;
using System.Threading.Channels;
using Plumtree.Broadcast;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Transport;

/// <summary>Shared helpers: transports on 127.0.0.1 with free ports, sinks, keys, bounded waits.</summary>
internal static class TransportTestKit
{
    /// <summary>Upper bound of every wait in these tests (a hang fails instead of blocking the run).</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static MemberlistTransportOptions Options(string name) => new()
    {
        NodeName = name,
        BindAddress = IPAddress.Loopback,
        BindPort = 0,
        TcpTimeout = TimeSpan.FromSeconds(10),
    };

    public static MemberlistTransport StartMemberlist(MemberlistTransportOptions options, TimeProvider? time = null, ITransportInterceptor? interceptor = null)
    {
        var transport = MemberlistTransport.Bind(options, time, interceptor);
        transport.Start();
        return transport;
    }

    public static Keyring Key(byte fill) => new(Enumerable.Repeat(fill, 32).ToArray());

    public static PushNodeState NodeState(string name, IPEndPoint address) =>
        new(name, address.Address.GetAddressBytes(), (ushort)address.Port, null, 1, NodeStateKind.Alive, ProtocolVersions.PlainMemberlist);

    public static PushPull StateOf(MemberlistTransport transport, bool join, byte[]? userState = null) =>
        new(join, [NodeState(transport.NodeName, transport.AdvertiseEndPoint)], userState ?? []);

    public static PlumtreeFrame Gossip(int i, int payloadSize = 8)
    {
        var payload = new byte[Math.Max(payloadSize, 4)];
        BitConverter.TryWriteBytes(payload, i);
        return PlumtreeFrame.Gossip(new MessageId(1, (ulong)i + 1), 1, payload);
    }

    public static int IndexOf(PlumtreeFrame frame) => BitConverter.ToInt32(frame.Payload.Span);

    public static async Task<T> Within<T>(this Task<T> task) => await task.WaitAsync(WaitLimit, Ct);

    public static async Task Within(this Task task) => await task.WaitAsync(WaitLimit, Ct);

    public static async Task<T> Within<T>(this ValueTask<T> task) => await task.AsTask().WaitAsync(WaitLimit, Ct);

    /// <summary>Waits until <paramref name="condition"/> holds (for counters, which raise no event), at most <see cref="WaitLimit"/>.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(deadline) > WaitLimit)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, Ct);
        }
    }

    /// <summary>127.0.0.1:1 — nobody listens there (and no test binds it), so connections are refused.</summary>
    public static IPEndPoint Nowhere { get; } = new(IPAddress.Loopback, 1);

    /// <summary>A free TCP port on 127.0.0.1 with nobody listening (connections to it are refused).</summary>
    public static IPEndPoint DeadEndPoint()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}

/// <summary>Collects decoded packets raised by a transport.</summary>
internal sealed class PacketSink
{
    private readonly Channel<(IPEndPoint From, DecodedPacket Packet)> _channel = Channel.CreateUnbounded<(IPEndPoint, DecodedPacket)>();

    public PacketReceivedHandler Handler => (from, packet, _) => _channel.Writer.TryWrite((from, packet));

    public int Count => _channel.Reader.Count;

    public Task<(IPEndPoint From, DecodedPacket Packet)> NextAsync() => _channel.Reader.ReadAsync(TransportTestKit.Ct).AsTask().Within();
}

/// <summary>Collects frames raised by a Plumtree stream transport.</summary>
internal sealed class FrameSink
{
    private readonly Channel<(string From, PlumtreeFrame Frame)> _channel = Channel.CreateUnbounded<(string, PlumtreeFrame)>();
    private int _count;

    public FrameReceivedHandler Handler => (from, frame, _) =>
    {
        Interlocked.Increment(ref _count);
        _channel.Writer.TryWrite((from, frame));
    };

    /// <summary>Frames received so far (read or not).</summary>
    public int Received => Volatile.Read(ref _count);

    public int Pending => _channel.Reader.Count;

    public Task<(string From, PlumtreeFrame Frame)> NextAsync() => _channel.Reader.ReadAsync(TransportTestKit.Ct).AsTask().Within();

    public async Task<List<(string From, PlumtreeFrame Frame)>> TakeAsync(int count)
    {
        var frames = new List<(string, PlumtreeFrame)>(count);
        for (var i = 0; i < count; i++)
        {
            frames.Add(await NextAsync());
        }

        return frames;
    }
}

/// <summary>A memberlist transport and a Plumtree stream transport sharing its port, as the runtime wires them.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private TestNode(MemberlistTransport memberlist, PlumtreeStreamTransport plumtree)
    {
        Memberlist = memberlist;
        Plumtree = plumtree;
        plumtree.FrameReceived = Frames.Handler;
        plumtree.ConnectionStateChanged = (node, connected) => ConnectionEvents.Writer.TryWrite((node, connected));
        memberlist.PlumtreeAcceptor = plumtree.AcceptAsync;
    }

    public MemberlistTransport Memberlist { get; }

    public PlumtreeStreamTransport Plumtree { get; }

    public FrameSink Frames { get; } = new();

    public Channel<(string Node, bool Connected)> ConnectionEvents { get; } = Channel.CreateUnbounded<(string, bool)>();

    public string Name => Memberlist.NodeName;

    public IPEndPoint EndPoint => Memberlist.LocalEndPoint;

    public static TestNode Start(
        string name,
        Func<PlumtreeStreamOptions, PlumtreeStreamOptions>? configure = null,
        int port = 0,
        TimeProvider? time = null,
        ITransportInterceptor? interceptor = null,
        Func<MemberlistTransportOptions, MemberlistTransportOptions>? configureMemberlist = null)
    {
        var memberlistOptions = TransportTestKit.Options(name) with { BindPort = port };
        memberlistOptions = configureMemberlist?.Invoke(memberlistOptions) ?? memberlistOptions;
        var memberlist = MemberlistTransport.Bind(memberlistOptions, time, interceptor);
        var options = new PlumtreeStreamOptions { NodeName = name, RandomSeed = 7 };
        options = configure?.Invoke(options) ?? options;
        var node = new TestNode(memberlist, new PlumtreeStreamTransport(options, time, interceptor));
        memberlist.Start();
        return node;
    }

    public bool Send(TestNode to, in PlumtreeFrame frame) => Plumtree.Send(to.Name, to.EndPoint, frame);

    public async Task WaitForConnectionAsync(string node, bool connected)
    {
        while (true)
        {
            var (name, state) = await ConnectionEvents.Reader.ReadAsync(TransportTestKit.Ct).AsTask().Within();
            if (name == node && state == connected)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Plumtree.DisposeAsync();
        await Memberlist.DisposeAsync();
    }
}
