using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>
/// memberlist's network transport: UDP and TCP on one port (memberlist-wire.md §1, §5–7, §11).
/// UDP datagrams are decoded (label, decryption, CRC, compound, compression) and raised through
/// <see cref="PacketReceived"/>; the TCP listener switches on the first byte of each connection:
/// memberlist streams (push/pull, TCP ping, reliable user message) are parsed incrementally and answered
/// here, and connections starting with <see cref="TransportDefaults.PlumtreeStreamPrefix"/> are handed to
/// <see cref="PlumtreeAcceptor"/>. Outbound: <see cref="SendPacketAsync"/>, <see cref="PushPullAsync"/>,
/// <see cref="TcpPingAsync"/>, <see cref="SendUserStreamAsync"/>. Bad input from one peer is counted in
/// <see cref="Counters"/> and never affects another. Usage: <see cref="Bind"/>, set the handlers,
/// <see cref="Start"/>, and finally <see cref="DisposeAsync"/>.
/// </summary>
internal sealed partial class MemberlistTransport : IAsyncDisposable
{
    private readonly MemberlistTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ITransportInterceptor? _interceptor;
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly byte[] _label;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskTracker _tasks = new();
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private Keyring? _keyring;
    private PacketDecodeOptions _packetDecode = null!;
    private PacketEncodeOptions _packetEncode = null!;
    private int _pushPullsInFlight;
    private int _started;
    private int _disposed;

    private MemberlistTransport(MemberlistTransportOptions options, TimeProvider time, ITransportInterceptor? interceptor, Socket tcp, Socket udp)
    {
        _options = options;
        _time = time;
        _interceptor = interceptor;
        _tcp = tcp;
        _udp = udp;
        _label = Encoding.UTF8.GetBytes(options.Label);
        LocalEndPoint = (IPEndPoint)tcp.LocalEndPoint!;
        var advertiseAddress = AdvertiseAddress.Resolve(options.BindAddress, options.AdvertiseAddress);
        AdvertiseEndPoint = new IPEndPoint(advertiseAddress, options.AdvertisePort ?? LocalEndPoint.Port);
        Keyring = options.Keyring;
    }

    /// <summary>This node's name.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>The bound address and port (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The address and port other nodes should use (goes into this node's alive message).</summary>
    public IPEndPoint AdvertiseEndPoint { get; }

    /// <summary>What this transport has counted.</summary>
    public TransportCounters Counters { get; } = new();

    /// <summary>The options it was bound with.</summary>
    public MemberlistTransportOptions Options => _options;

    /// <summary>
    /// The keys in use (<see langword="null"/> = plaintext). Replace it to install or rotate keys; the new
    /// keyring applies to every later send and receive.
    /// </summary>
    public Keyring? Keyring
    {
        get => Volatile.Read(ref _keyring);
        set
        {
            Volatile.Write(ref _keyring, value);
            Volatile.Write(ref _packetDecode, new PacketDecodeOptions
            {
                Keyring = value,
                VerifyIncoming = _options.GossipVerifyIncoming,
                Label = _label,
                SkipInboundLabelCheck = _options.SkipInboundLabelCheck,
            });
            Volatile.Write(ref _packetEncode, new PacketEncodeOptions
            {
                Compress = _options.EnableCompression,
                Keyring = _options.GossipVerifyOutgoing ? value : null,
                EncryptionVersion = _options.EncryptionVersion,
                Label = _label,
            });
        }
    }

    /// <summary>Receives decoded UDP packets (unset = packets are counted and discarded).</summary>
    public PacketReceivedHandler? PacketReceived { get; set; }

    /// <summary>Answers inbound push/pulls (unset = such streams are closed unanswered).</summary>
    public PushPullHandler? PushPullRequested { get; set; }

    /// <summary>Receives reliable user messages.</summary>
    public StreamUserMessageHandler? UserMessageReceived { get; set; }

    /// <summary>Takes connections starting with <see cref="TransportDefaults.PlumtreeStreamPrefix"/> (unset = they are refused).</summary>
    public StreamAcceptor? PlumtreeAcceptor { get; set; }

    /// <summary>Diagnostics hook: total bytes received so far on an inbound memberlist stream, after every read.</summary>
    internal Action<IPEndPoint, long>? InboundStreamProgress { get; set; }

    /// <summary>Number of inbound push/pulls being served right now.</summary>
    public int PushPullsInFlight => Volatile.Read(ref _pushPullsInFlight);

    /// <summary>
    /// Binds UDP and TCP to the same port (TCP first; with port 0 the UDP socket takes the TCP port's
    /// number, retrying with a new port if that one is taken for UDP). Nothing is read until <see cref="Start"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="IOException">The port cannot be bound.</exception>
    /// <exception cref="InvalidOperationException">No address to advertise.</exception>
    public static MemberlistTransport Bind(MemberlistTransportOptions options, TimeProvider? timeProvider = null, ITransportInterceptor? interceptor = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (tcp, udp) = BindSockets(options);
        try
        {
            return new MemberlistTransport(options, timeProvider ?? TimeProvider.System, interceptor, tcp, udp);
        }
        catch
        {
            tcp.Dispose();
            udp.Dispose();
            throw;
        }
    }

    /// <summary>Starts the UDP receive loop and the TCP accept loop.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        _tasks.Track(Task.Run(() => ReceiveLoopAsync(_stopping.Token)));
        _tasks.Track(Task.Run(() => AcceptLoopAsync(_stopping.Token)));
    }

    /// <summary>Stops the loops, closes the sockets and every open connection, and waits for the handlers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcp.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }

        await _tasks.WhenAllAsync().ConfigureAwait(false);
    }

    private static (Socket Tcp, Socket Udp) BindSockets(MemberlistTransportOptions options)
    {
        var family = options.BindAddress.AddressFamily;
        for (var attempt = 1; ; attempt++)
        {
            var tcp = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            Socket? udp = null;
            try
            {
                // Like Go's listeners: allow rebinding while old connections linger in TIME_WAIT.
                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                tcp.Bind(new IPEndPoint(options.BindAddress, options.BindPort));
                var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
                udp = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    udp.Bind(new IPEndPoint(options.BindAddress, port));
                }
                catch (SocketException e) when (options.BindPort == 0 && attempt < options.BindAttempts && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    udp.Dispose();
                    tcp.Dispose();
                    continue;
                }

                TrySetReceiveBuffer(udp, options.UdpSocketBufferSize);
                tcp.Listen(512);
                return (tcp, udp);
            }
            catch (SocketException e)
            {
                udp?.Dispose();
                tcp.Dispose();
                throw new IOException($"Cannot bind UDP and TCP on {options.BindAddress}:{options.BindPort}: {e.Message}", e);
            }
            catch
            {
                udp?.Dispose();
                tcp.Dispose();
                throw;
            }
        }
    }

    private static void TrySetReceiveBuffer(Socket udp, int size)
    {
        // Go halves the request until the kernel accepts it; Linux silently caps instead of refusing.
        for (var request = size; request >= 64 * 1024; request /= 2)
        {
            try
            {
                udp.ReceiveBufferSize = request;
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    private CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancellationToken, out CancellationTokenSource timer)
    {
        timer = new CancellationTokenSource(timeout, _time);
        return CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token, _stopping.Token);
    }

    private InterceptVerdict Intercept(TransportChannel channel, IPEndPoint to, int size) =>
        _interceptor?.Intercept(channel, new TransportRoute(NodeName, AdvertiseEndPoint, null, to), size) ?? InterceptVerdict.Pass;
}
