using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Threading.Channels;
using Plumtree.Wire;

namespace Plumtree.Transport;

/// <summary>Outbound side: per-peer queue, writer loop, connection, reconnect.</summary>
internal sealed partial class PlumtreeStreamTransport
{
    /// <summary>Per-peer loop: wait for frames, connect if needed (with backoff), write them in batches.</summary>
    private async Task RunPeerAsync(OutboundPeer peer)
    {
        var cancellationToken = peer.Stopping;
        var reader = peer.Queue.Reader;
        var batch = new ArrayBufferWriter<byte>(PlumtreeStreamProtocol.BatchBytes);
        try
        {
            while (await WaitForFramesAsync(peer, reader, cancellationToken).ConfigureAwait(false))
            {
                var connection = peer.Current;
                if (connection is null || connection.IsClosed || !connection.Address.Equals(peer.Address) || SealedWithOldKey(connection))
                {
                    if (connection is not null)
                    {
                        RetireConnection(peer, connection);
                    }

                    connection = await ConnectWithBackoffAsync(peer, cancellationToken).ConfigureAwait(false);
                    if (connection is null)
                    {
                        continue;
                    }
                }

                batch.ResetWrittenCount();
                var frames = await FillBatchAsync(reader, batch, cancellationToken).ConfigureAwait(false);
                if (frames == 0)
                {
                    continue;
                }

                try
                {
                    await connection.WriteAsync(batch.WrittenMemory, _options.WriteTimeout, cancellationToken).ConfigureAwait(false);
                    Counters.FramesWritten(frames);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    // What was in flight is lost with the connection; the next frame reconnects.
                    Counters.Dropped.Increment("connection_lost", frames);
                    Counters.Errors.Increment("write");
                    RetireConnection(peer, connection);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: DisconnectPeer or disposal.
        }
        finally
        {
            if (peer.Current is { } last)
            {
                RetireConnection(peer, last);
            }

            peer.Release();

            // Stopped with frames queued (disposal): give their references back. The queue is complete, so none can follow.
            while (reader.TryRead(out var left))
            {
                left.Release();
            }
        }
    }

    /// <summary>
    /// Waits for a queued frame. With a connection open and nothing to send for its idle limit
    /// (half the idle timeout to an overlay peer, the transient idle timeout to anyone else), closes it; the receiver would
    /// close it at the idle timeout, maybe as a frame is written: closing first, with nothing queued, loses nothing. The
    /// next frame reconnects. The limit is re-read at least every transient idle timeout, so a stream to a peer that has
    /// left the overlay closes soon after.
    /// </summary>
    private async ValueTask<bool> WaitForFramesAsync(OutboundPeer peer, ChannelReader<QueuedFrame> reader, CancellationToken cancellationToken)
    {
        if (reader.TryPeek(out _) || peer.Current is not { IsClosed: false } connection)
        {
            return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }

        var idleSince = _time.GetTimestamp();
        var recheck = ShortIdleLimit;
        while (!connection.IsClosed)
        {
            var transient = !IsOverlayPeerSafe(peer.Node);
            var remaining = (transient ? ShortIdleLimit : _options.IdleTimeout / 2) - _time.GetElapsedTime(idleSince);
            if (remaining <= TimeSpan.Zero)
            {
                Counters.OutboundClosed.Increment(transient ? "transient_idle" : "idle");
                RetireConnection(peer, connection);
                break;
            }

            using var idle = new CancellationTokenSource(remaining < recheck ? remaining : recheck, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            try
            {
                return await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Idle so far: check the limit again (the peer may have joined or left the overlay meanwhile).
            }
        }

        return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The idle limit of a stream to a node that is not an overlay peer: the transient idle timeout, at most half the idle timeout.</summary>
    private TimeSpan ShortIdleLimit =>
        _options.TransientIdleTimeout < _options.IdleTimeout / 2 ? _options.TransientIdleTimeout : _options.IdleTimeout / 2;

    /// <summary><see cref="IsOverlayPeer"/>'s answer; true when unset or when it throws (the long idle limit, as before).</summary>
    private bool IsOverlayPeerSafe(string node)
    {
        if (IsOverlayPeer is not { } isPeer)
        {
            return true;
        }

        try
        {
            return isPeer(node);
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
            return true;
        }
    }

    /// <summary>
    /// True when the primary key changed since <paramref name="connection"/> was opened (a key rotation's Use): it is
    /// retired and the next frames go on a new connection sealed with the new primary key.
    /// </summary>
    private bool SealedWithOldKey(OutboundConnection connection) =>
        connection.SealKey is { } sealKey && Keyring is { } keyring && !ReferenceEquals(sealKey, keyring.PrimaryKey) && !sealKey.AsSpan().SequenceEqual(keyring.PrimaryKey);

    /// <summary>Takes queued frames into <paramref name="batch"/> until about <see cref="PlumtreeStreamProtocol.BatchBytes"/> or the queue is empty.</summary>
    private async Task<int> FillBatchAsync(ChannelReader<QueuedFrame> reader, ArrayBufferWriter<byte> batch, CancellationToken cancellationToken)
    {
        var frames = 0;
        while (reader.TryPeek(out var next))
        {
            if (frames > 0 && batch.WrittenCount + next.Length > PlumtreeStreamProtocol.BatchBytes)
            {
                break;
            }

            if (next.DueAt != 0)
            {
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), next.DueAt);
                if (wait > TimeSpan.Zero)
                {
                    if (frames > 0)
                    {
                        // Send what is due now; the delayed frame (and everything behind it) waits.
                        break;
                    }

                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            if (!reader.TryRead(out next))
            {
                break;
            }

            batch.Write(next.Bytes);
            next.Release(); // copied: the queue's reference ends here
            frames++;
        }

        return frames;
    }

    /// <summary>Waits out the backoff, purging frames that waited too long, then dials; null when the dial failed.</summary>
    private async Task<OutboundConnection?> ConnectWithBackoffAsync(OutboundPeer peer, CancellationToken cancellationToken)
    {
        var wait = _time.GetElapsedTime(_time.GetTimestamp(), peer.NextAttemptAt);
        if (wait > TimeSpan.Zero)
        {
            PurgeStale(peer);
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        var connection = await ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            peer.Failures++;
            peer.LastFailureAt = _time.GetTimestamp();
            peer.NextAttemptAt = _time.GetTimestamp() + ToTicks(Backoff(peer.Failures));
            PurgeStale(peer);
            return null;
        }

        peer.Current = connection;
        RaiseConnectionState(peer.Node, connected: true);
        _tasks.Track(MonitorAsync(peer, connection));
        return connection;
    }

    /// <summary>Drops queued frames that have waited longer than the unreachable timeout.</summary>
    private void PurgeStale(OutboundPeer peer)
    {
        var now = _time.GetTimestamp();
        var dropped = 0;
        while (peer.Queue.Reader.TryPeek(out var head) && _time.GetElapsedTime(head.EnqueuedAt, now) > _options.UnreachableTimeout
            && peer.Queue.Reader.TryRead(out var stale))
        {
            stale.Release();
            dropped++;
        }

        if (dropped > 0)
        {
            Counters.Dropped.Increment("peer_unreachable", dropped);
        }
    }

    private async Task<OutboundConnection?> ConnectAsync(OutboundPeer peer, CancellationToken cancellationToken)
    {
        var address = peer.Address;
        var keyring = Keyring;
        var tls = _options.Tls;
        var sealKey = tls is null && keyring is not null && _options.VerifyOutgoing ? keyring.PrimaryKey : null;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? secure = null;
        var handshaking = false;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            await socket.ConnectAsync(address, linked.Token).ConfigureAwait(false);
            if (tls is null)
            {
                var connection = new OutboundConnection(socket, null, address, sealKey, _time, Counters);
                var preamble = PlumtreeStreamProtocol.BuildPreamble(NodeName, _label, sealKey);
                await connection.WriteRawAsync(preamble, linked.Token).ConfigureAwait(false);
                return connection;
            }

            // 'P', mode 2, then the TLS handshake; the hello is the first record inside TLS.
            var network = new NetworkStream(socket, ownsSocket: false);
            await network.WriteAsync(new byte[] { PlumtreeStreamProtocol.Prefix, PlumtreeStreamProtocol.ModeTls }, linked.Token).ConfigureAwait(false);
            Counters.StreamOut(2);
            secure = new SslStream(network, leaveInnerStreamOpen: false);
            handshaking = true;
            await secure.AuthenticateAsClientAsync(tls.ClientOptions(peer.Node), linked.Token).ConfigureAwait(false);
            handshaking = false;
            var opened = new OutboundConnection(socket, secure, address, null, _time, Counters);
            await opened.WriteRawAsync(PlumtreeStreamProtocol.Record(PlumtreeStreamProtocol.EncodeHello(NodeName, _label)), linked.Token).ConfigureAwait(false);
            return opened;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            secure?.Dispose();
            socket.Dispose();
            throw;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            if (handshaking)
            {
                Counters.Errors.Increment("tls");
                ReportTls("tls_dial", address, $"TLS handshake with {peer.Node} failed: {e.Message}");
            }
            else
            {
                Counters.Errors.Increment("connect");
            }

            secure?.Dispose();
            socket.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Streams are one-way, so a read on the dialed socket only ever ends: at the peer's close (EOF or
    /// reset). Noticing it here lets the next frame reconnect instead of being written into a dead socket.
    /// </summary>
    private async Task MonitorAsync(OutboundPeer peer, OutboundConnection connection)
    {
        var scratch = new byte[64];
        try
        {
            while (await connection.ReceiveAsync(scratch, peer.Stopping).ConfigureAwait(false) > 0)
            {
                // The acceptor never writes; ignore anything that arrives anyway.
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }

        RetireConnection(peer, connection);
    }

    /// <summary>
    /// Closes <paramref name="connection"/> (the first call updates the backoff state from how long it lived)
    /// and, if it was the peer's current connection, clears it and raises the "disconnected" event.
    /// </summary>
    private void RetireConnection(OutboundPeer peer, OutboundConnection connection)
    {
        if (connection.Close())
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(connection.OpenedAt, now) < _options.StableConnectionTime)
            {
                peer.Failures++;
                peer.LastFailureAt = now;
                peer.NextAttemptAt = now + ToTicks(Backoff(peer.Failures));
            }
            else
            {
                peer.Failures = 0;
                peer.NextAttemptAt = 0;
            }
        }

        if (peer.TryClearCurrent(connection))
        {
            RaiseConnectionState(peer.Node, connected: false);
        }
    }

    /// <summary>
    /// Peers whose outbound stream keeps failing: at least <paramref name="threshold"/> attempts in a row failed
    /// (the dial failed, or the connection closed sooner than <see cref="PlumtreeStreamOptions.StableConnectionTime"/>,
    /// as when the receiver refuses it), the last one within <paramref name="window"/>, and no connection has stayed
    /// open for the stable time since. Thread-safe.
    /// </summary>
    public IReadOnlyList<string> FailingPeers(int threshold, TimeSpan window)
    {
        var now = _time.GetTimestamp();
        var failing = new List<string>();
        foreach (var (node, peer) in _peers)
        {
            var last = peer.LastFailureAt;
            if (peer.Failures < threshold || last == 0 || _time.GetElapsedTime(last, now) > window)
            {
                continue;
            }

            if (peer.Current is { IsClosed: false } open && _time.GetElapsedTime(open.OpenedAt, now) >= _options.StableConnectionTime)
            {
                continue;
            }

            failing.Add(node);
        }

        return failing;
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>One peer's outbound state. <see cref="Failures"/> and <see cref="NextAttemptAt"/> are only touched by its loop and monitor.</summary>
    private sealed class OutboundPeer
    {
        private readonly CancellationTokenSource _stop;
        private IPEndPoint _address;
        private OutboundConnection? _current;
        private int _failures;
        private long _lastFailureAt;

        public OutboundPeer(string node, IPEndPoint address, int capacity, CancellationToken stopping)
        {
            Node = node;
            _address = address;
            Queue = Channel.CreateBounded<QueuedFrame>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            Stopping = _stop.Token;
        }

        public string Node { get; }

        public Channel<QueuedFrame> Queue { get; }

        public CancellationToken Stopping { get; }

        public IPEndPoint Address => Volatile.Read(ref _address);

        public OutboundConnection? Current
        {
            get => Volatile.Read(ref _current);
            set => Volatile.Write(ref _current, value);
        }

        public int Failures
        {
            get => Volatile.Read(ref _failures);
            set => Volatile.Write(ref _failures, value);
        }

        /// <summary>When the last failed attempt ended (<see cref="TimeProvider.GetTimestamp"/>); 0 = never.</summary>
        public long LastFailureAt
        {
            get => Volatile.Read(ref _lastFailureAt);
            set => Volatile.Write(ref _lastFailureAt, value);
        }

        public long NextAttemptAt { get; set; }

        /// <summary>Clears <see cref="Current"/> if it is still <paramref name="connection"/>.</summary>
        public bool TryClearCurrent(OutboundConnection connection) =>
            ReferenceEquals(Interlocked.CompareExchange(ref _current, null, connection), connection);

        /// <summary>Points the peer at a new address; the writer reconnects before its next write.</summary>
        public void ChangeAddress(IPEndPoint address) => Volatile.Write(ref _address, address);

        /// <summary>Ends the loop (which closes the connection); later frames are refused.</summary>
        public void Stop()
        {
            Queue.Writer.TryComplete();
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The loop has already ended.
            }
        }

        /// <summary>Called by the loop as it ends: unhooks the stop token from the transport's.</summary>
        public void Release()
        {
            Queue.Writer.TryComplete();
            _stop.Dispose();
        }
    }

    /// <summary>One dialed connection: raw writes, sealed records numbered from 1 (the hello is 0), or writes through TLS.</summary>
    private sealed class OutboundConnection
    {
        private readonly SslStream? _tls;
        private readonly byte[]? _sealKey;
        private readonly TimeProvider _time;
        private readonly TransportCounters _counters;
        private ulong _sequence = 1;
        private int _closed;

        public OutboundConnection(Socket socket, SslStream? tls, IPEndPoint address, byte[]? sealKey, TimeProvider time, TransportCounters counters)
        {
            Socket = socket;
            _tls = tls;
            Address = address;
            _sealKey = sealKey;
            _time = time;
            OpenedAt = time.GetTimestamp();
            _counters = counters;
        }

        public Socket Socket { get; }

        public IPEndPoint Address { get; }

        /// <summary>The key this connection seals with (null = plaintext).</summary>
        public byte[]? SealKey => _sealKey;

        public long OpenedAt { get; }

        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            if (_tls is not null)
            {
                await _tls.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                _counters.StreamOut(bytes.Length);
                return;
            }

            var remaining = bytes;
            while (!remaining.IsEmpty)
            {
                var sent = await Socket.SendAsync(remaining, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                remaining = remaining[sent..];
            }

            _counters.StreamOut(bytes.Length);
        }

        /// <summary>Writes a batch of frames (sealed as one record when encrypting) within <paramref name="timeout"/>.</summary>
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> frames, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var bytes = _sealKey is null ? frames : PlumtreeStreamProtocol.Seal(_sealKey, frames.Span, _sequence++);
            using var timer = new CancellationTokenSource(timeout, _time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            await WriteRawAsync(bytes, deadline.Token).ConfigureAwait(false);
        }

        /// <summary>Closes the socket; true the first time.</summary>
        public bool Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return false;
            }

            _tls?.Dispose();
            Socket.Dispose();
            return true;
        }

        /// <summary>Reads what the peer sends (through TLS when on: its session tickets); 0 at its close.</summary>
        public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
            _tls is not null ? _tls.ReadAsync(buffer, cancellationToken) : Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
    }
}
