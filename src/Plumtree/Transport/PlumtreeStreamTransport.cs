using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Plumtree.Broadcast;
using Plumtree.Wire.Memberlist;
using Plumtree.Wire;

namespace Plumtree.Transport;

/// <summary>
/// Persistent, one-way, length-framed Plumtree streams to peers, multiplexed on the memberlist TCP port
/// (format: <see cref="PlumtreeStreamProtocol"/>). Outbound: one connection per peer (keyed by node name),
/// opened lazily by <see cref="Send(string, IPEndPoint, in PlumtreeFrame)"/>, fed from a bounded queue by a writer loop that batches frames into
/// one write, reconnecting with exponential backoff and jitter. Inbound: connections handed over by
/// <see cref="MemberlistTransport.PlumtreeAcceptor"/> (<see cref="AcceptAsync"/>) are read frame by frame and
/// raised through <see cref="FrameReceived"/>, rate-limited per peer. Everything refused or lost is
/// counted in <see cref="Counters"/> (<c>dropped{reason}</c>, <c>decode_errors{layer}</c>); one bad peer only
/// ever loses its own connection.
/// </summary>
internal sealed partial class PlumtreeStreamTransport : IAsyncDisposable
{
    private readonly PlumtreeStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ITransportInterceptor? _interceptor;
    private readonly byte[] _label;
    private readonly Random _jitter;
    private readonly Lock _jitterLock = new();
    private readonly Lock _peersLock = new();
    private readonly ConcurrentDictionary<string, OutboundPeer> _peers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskTracker _tasks = new();
    private readonly SharedFramePool _framePool = new();
    private readonly InboundAdmission _admission;
    private readonly ConcurrentDictionary<string, bool> _tlsReported = new(StringComparer.Ordinal);
    private Keyring? _keyring;
    private int _disposed;

    /// <summary>Creates the transport; register <see cref="AcceptAsync"/> as the memberlist transport's Plumtree acceptor.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public PlumtreeStreamTransport(PlumtreeStreamOptions options, TimeProvider? timeProvider = null, ITransportInterceptor? interceptor = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _interceptor = interceptor;
        _label = Encoding.UTF8.GetBytes(options.Label);
        _jitter = new Random(options.RandomSeed);
        _keyring = options.Keyring;
        _admission = new InboundAdmission(options, _time);
    }

    /// <summary>This node's name.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>The options in use.</summary>
    public PlumtreeStreamOptions Options => _options;

    /// <summary>What this transport has counted.</summary>
    public TransportCounters Counters { get; } = new();

    /// <summary>The keys in use (<see langword="null"/> = plaintext); replacing it affects connections opened later.</summary>
    public Keyring? Keyring
    {
        get => Volatile.Read(ref _keyring);
        set => Volatile.Write(ref _keyring, value);
    }

    /// <summary>Receives inbound frames (unset = they are counted and discarded).</summary>
    public FrameReceivedHandler? FrameReceived { get; set; }

    /// <summary>
    /// Raised the first time each kind of TLS trouble happens (reason, peer address, detail): a failed handshake
    /// (<c>tls</c> accepting, <c>tls_dial</c> dialing), a peer without TLS (<c>tls_required</c>) or with TLS when this
    /// node has none (<c>tls_not_configured</c>), a certificate that does not name the hello's sender (<c>tls_peer_name</c>).
    /// Later ones are only counted. Called from I/O threads.
    /// </summary>
    public Action<string, IPEndPoint, string>? TlsProblem { get; set; }

    /// <summary>
    /// Whether a node is a current overlay peer (an eager or lazy peer of the broadcast engine; the node
    /// answers it from its published state). An idle outbound stream to a peer closes after half <see cref="PlumtreeStreamOptions.IdleTimeout"/>,
    /// to any other node after <see cref="PlumtreeStreamOptions.TransientIdleTimeout"/>. Unset: every node counts as a peer.
    /// Called from the writer loops' threads; must be thread-safe and quick.
    /// </summary>
    public Func<string, bool>? IsOverlayPeer { get; set; }

    /// <summary>Raised when an outbound connection to a peer opens (<see langword="true"/>) or closes.</summary>
    public Action<string, bool>? ConnectionStateChanged { get; set; }

    /// <summary>Peers with an outbound queue (connected or not).</summary>
    public IReadOnlyCollection<string> Peers => _peers.Keys.ToArray();

    /// <summary>Outbound connections open now (one per peer at most).</summary>
    public int OutboundConnections => _peers.Values.Count(static p => p.Current is { IsClosed: false });

    /// <summary>Whether the outbound connection to <paramref name="node"/> is open.</summary>
    public bool IsConnected(string node) => _peers.TryGetValue(node, out var peer) && peer.Current is { IsClosed: false };

    /// <summary>Encoded outbound frames not yet given back by every holder (0 once every queue is written or dropped).</summary>
    internal SharedFramePool FramePool => _framePool;

    /// <summary>Frames waiting in <paramref name="node"/>'s queue.</summary>
    public int QueuedFrames(string node) => _peers.TryGetValue(node, out var peer) ? peer.Queue.Reader.Count : 0;

    /// <summary>
    /// Queues <paramref name="frame"/> for <paramref name="node"/> at <paramref name="address"/> (its memberlist
    /// address; a new address replaces the old one and reconnects). Returns false when the frame is dropped:
    /// over the size limit (<c>too_large</c>), queue full (<c>queue_full</c>), dropped by the interceptor
    /// (<c>fault_injected</c>), or the transport is disposed. Never blocks. To send one frame to several peers,
    /// <see cref="Encode"/> it once and pass the result to <see cref="Send(string, IPEndPoint, in EncodedFrame)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The frame is invalid (see <see cref="PlumtreeFrameCodec.GetEncodedLength"/>).</exception>
    public bool Send(string node, IPEndPoint address, in PlumtreeFrame frame)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentNullException.ThrowIfNull(address);
        using var encoded = Encode(frame);
        return Send(node, address, encoded);
    }

    /// <summary>
    /// Encodes <paramref name="frame"/> once into a pooled, reference-counted buffer for any number of
    /// <see cref="Send(string, IPEndPoint, in EncodedFrame)"/> calls. The caller owns the result's reference and
    /// disposes it once, after its last send; each queue that accepts the frame holds its own reference until
    /// its writer has copied the bytes into a batch or the frame is dropped (docs/transport.md, "Outbound frames").
    /// A frame over the size limit (or on a disposed transport) is not encoded; sending it is refused and counted.
    /// </summary>
    /// <exception cref="ArgumentException">The frame is invalid (see <see cref="PlumtreeFrameCodec.GetEncodedLength"/>).</exception>
    public EncodedFrame Encode(in PlumtreeFrame frame)
    {
        var length = PlumtreeFrameCodec.GetEncodedLength(frame);
        if (length > _options.MaxFrameSize || Volatile.Read(ref _disposed) != 0)
        {
            return new EncodedFrame(null, length);
        }

        var shared = _framePool.Rent(length);
        PlumtreeFrameCodec.Encode(frame, shared.Buffer.AsSpan(0, length), _options.MaxFrameSize);
        return new EncodedFrame(shared, length);
    }

    /// <summary>
    /// Queues an <paramref name="frame"/> made by <see cref="Encode"/> for <paramref name="node"/>, sharing its bytes
    /// (the queue takes its own reference). Otherwise as <see cref="Send(string, IPEndPoint, in PlumtreeFrame)"/>.
    /// </summary>
    public bool Send(string node, IPEndPoint address, in EncodedFrame frame)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentNullException.ThrowIfNull(address);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (frame.Length > _options.MaxFrameSize)
        {
            Counters.Dropped.Increment("too_large");
            return false;
        }

        if (frame.Shared is not { } shared)
        {
            return false; // encoded while the transport was being disposed
        }

        long dueAt = 0;
        if (_interceptor is not null)
        {
            var verdict = _interceptor.Intercept(TransportChannel.PlumtreeFrame, new TransportRoute(NodeName, null, node, address), frame.Length);
            if (verdict.Action == InterceptAction.Drop)
            {
                Counters.Dropped.Increment("fault_injected");
                return false;
            }

            if (verdict.Action == InterceptAction.Delay)
            {
                dueAt = _time.GetTimestamp() + (long)(verdict.Delay.TotalSeconds * _time.TimestampFrequency);
            }
        }

        var peer = GetOrStartPeer(node, address);
        shared.AddReference();
        if (!peer.Queue.Writer.TryWrite(new QueuedFrame(shared, shared.Generation, _time.GetTimestamp(), dueAt)))
        {
            shared.Release();
            Counters.Dropped.Increment(Volatile.Read(ref _disposed) != 0 ? "shutdown" : "queue_full");
            return false;
        }

        return true;
    }

    /// <summary>
    /// Forgets <paramref name="node"/> (it left or died): closes the outbound connection (queued frames are
    /// dropped as <c>peer_left</c>), every inbound connection from it, and its rate-limit state.
    /// </summary>
    public void DisconnectPeer(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_peers.TryRemove(node, out var peer))
        {
            peer.Stop();
            var dropped = 0;
            while (peer.Queue.Reader.TryRead(out var left))
            {
                left.Release();
                dropped++;
            }

            if (dropped > 0)
            {
                Counters.Dropped.Increment("peer_left", dropped);
            }
        }

        CloseInbound(node);
        _buckets.TryRemove(node, out _);
    }

    /// <summary>Closes every connection, stops every loop and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var node in _peers.Keys)
        {
            if (_peers.TryRemove(node, out var peer))
            {
                peer.Stop();
            }
        }

        CloseAllInbound();
        await _tasks.WhenAllAsync().ConfigureAwait(false);
        _options.Tls?.Dispose();
    }

    /// <summary>Reports a kind of TLS trouble the first time it happens (<see cref="TlsProblem"/>).</summary>
    private void ReportTls(string reason, IPEndPoint remote, string detail)
    {
        if (!_tlsReported.TryAdd(reason, true))
        {
            return;
        }

        try
        {
            TlsProblem?.Invoke(reason, remote, detail);
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
        }
    }

    private OutboundPeer GetOrStartPeer(string node, IPEndPoint address)
    {
        if (_peers.TryGetValue(node, out var peer))
        {
            if (!peer.Address.Equals(address))
            {
                peer.ChangeAddress(address);
            }

            return peer;
        }

        lock (_peersLock)
        {
            if (_peers.TryGetValue(node, out peer))
            {
                return peer;
            }

            peer = new OutboundPeer(node, address, _options.QueueCapacity, _stopping.Token);
            _peers[node] = peer;
            _tasks.Track(Task.Run(() => RunPeerAsync(peer)));
            return peer;
        }
    }

    private void RaiseConnectionState(string node, bool connected)
    {
        try
        {
            ConnectionStateChanged?.Invoke(node, connected);
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var ceiling = Math.Min(_options.ReconnectBackoffMax.TotalSeconds, _options.ReconnectBackoffMin.TotalSeconds * Math.Pow(2, exponent));
        double jitter;
        lock (_jitterLock)
        {
            jitter = _jitter.NextDouble();
        }

        // "Equal jitter": between half the ceiling and the ceiling.
        return TimeSpan.FromSeconds((ceiling / 2) + (ceiling / 2 * jitter));
    }

    /// <summary>A queue's reference to a shared encoded frame, waiting to be written.</summary>
    /// <param name="frame">The encoded frame (this queue holds one reference to it).</param>
    /// <param name="generation">The frame's <see cref="SharedFrame.Generation"/> when queued: a mismatch later is a use after return.</param>
    /// <param name="enqueuedAt">When it was queued (<see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="dueAt">Not before this timestamp (an injected delay); 0 = now.</param>
    private readonly struct QueuedFrame(SharedFrame frame, int generation, long enqueuedAt, long dueAt)
    {
        public SharedFrame Frame { get; } = frame;

        public int Generation { get; } = generation;

        public long EnqueuedAt { get; } = enqueuedAt;

        public long DueAt { get; } = dueAt;

        /// <summary>The encoded bytes, checked to still belong to this queued frame.</summary>
        public ReadOnlySpan<byte> Bytes
        {
            get
            {
                if (Frame.Generation != Generation)
                {
                    throw new InvalidOperationException("A queued frame's buffer was returned before it was written.");
                }

                return Frame.Span;
            }
        }

        /// <summary>Length of the encoded frame.</summary>
        public int Length => Frame.Length;

        /// <summary>Gives this queue's reference back (written or dropped).</summary>
        public void Release() => Frame.Release();
    }
}
