using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Security;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Transport;

/// <summary>Inbound side: hello, frame loop, rate limit, per-peer connection bookkeeping.</summary>
internal sealed partial class PlumtreeStreamTransport
{
    private readonly ConcurrentDictionary<string, InboundStream> _inboundByNode = new(StringComparer.Ordinal);
    private TaskCompletionSource _sendersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Number of open inbound connections.</summary>
    public int InboundConnections => _admission.Count;

    /// <summary>
    /// Decides whether a hello's sender may stream to this node (the node answers from membership: alive or suspect
    /// members). Unset = every sender is accepted. A sender it does not know is held unread for
    /// <see cref="PlumtreeStreamOptions.UnknownSenderGrace"/>, rechecked at every <see cref="SendersChanged"/>,
    /// then refused (<c>unknown_sender</c>). Called from accept threads: it must be thread-safe.
    /// </summary>
    public Func<string, bool>? IsKnownSender { get; set; }

    /// <summary>Membership learned senders: held streams check <see cref="IsKnownSender"/> again.</summary>
    public void SendersChanged() =>
        Interlocked.Exchange(ref _sendersChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Serves one inbound Plumtree stream (positioned after the prefix byte) until it ends: admission (per-address
    /// and global limits, eviction: <see cref="InboundAdmission"/>), the mode and hello within the hello timeout,
    /// encryption and label checks, the sender check (<see cref="IsKnownSender"/>), then every frame, each within
    /// the frame read timeout once begun, and at most the idle timeout between frames. A newer connection from the
    /// same node replaces the older one. Never throws for bad input: it is counted and the connection ends.
    /// Register as <see cref="MemberlistTransport.PlumtreeAcceptor"/>.
    /// </summary>
    public async Task AcceptAsync(AcceptedStream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        using var stream = new InboundStream(connection, _time, Counters, _options.HelloTimeout);
        if (!_admission.TryAdmit(stream))
        {
            return;
        }

        string? node = null;
        SslStream? tls = null;
        PipeReader? tlsInput = null;
        try
        {
            stream.Start();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            var keyring = Keyring;
            var mode = await ReadModeAsync(connection.Input, keyring, stream, linked.Token).ConfigureAwait(false);
            if (mode is not { } accepted)
            {
                return;
            }

            var input = connection.Input;
            if (accepted == PlumtreeStreamProtocol.ModeTls)
            {
                // The handshake runs inside the hello deadline: a peer that stalls it is closed as hello_timeout.
                tls = await StartTlsAsync(connection, stream, linked.Token).ConfigureAwait(false);
                if (tls is null)
                {
                    return;
                }

                input = tlsInput = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
            }

            var sealedBy = accepted == PlumtreeStreamProtocol.ModeSealed ? keyring : null;
            var opened = await ReadHelloAsync(input, sealedBy, stream, linked.Token).ConfigureAwait(false);
            if (opened is not { } hello)
            {
                return;
            }

            if (tls is not null && !_options.Tls!.MayClaim(tls.RemoteCertificate, hello.Node))
            {
                ReportTls("tls_peer_name", connection.Remote, $"the client certificate does not name '{hello.Node}'");
                stream.Close("tls_peer_name");
                return;
            }

            if (!await AwaitKnownSenderAsync(stream, hello.Node, linked.Token).ConfigureAwait(false) || !_admission.Establish(stream))
            {
                return;
            }

            node = hello.Node;
            stream.SetDeadline(InboundPhase.Idle, _options.IdleTimeout);
            if (_inboundByNode.TryGetValue(node, out var previous) && !ReferenceEquals(previous, stream))
            {
                // The peer keeps one connection to us: a new one means the old one is dead. Counted: in plain mode a
                // hello naming a member can be anyone's, and a churn of this reason is someone taking its streams over.
                previous.Close("replaced");
            }

            _inboundByNode[node] = stream;
            // Key commands only over an authenticated stream: sealed with a key of ours, or TLS with a client certificate of the CA.
            await ReadFramesAsync(input, node, sealedBy, keysAllowed: sealedBy is not null || tls?.RemoteCertificate is not null, stream, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Connection reset or closed under us (or by a deadline or an eviction, counted there): the peer
            // reconnects if it still wants to talk.
        }
        finally
        {
            stream.Close(null);
            _admission.Remove(stream);
            if (tlsInput is not null)
            {
                await tlsInput.CompleteAsync().ConfigureAwait(false);
            }

            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }

            if (node is not null && _inboundByNode.TryRemove(new KeyValuePair<string, InboundStream>(node, stream)))
            {
                // Its last connection is gone: forget its rate-limit state too (bounded memory).
                _buckets.TryRemove(node, out _);
            }
        }
    }

    /// <summary>
    /// The server side of the TLS handshake on an accepted stream (its mode byte read); null when it failed
    /// (counted as <c>tls</c> unless a deadline or an eviction closed the stream first).
    /// </summary>
    private async Task<SslStream?> StartTlsAsync(AcceptedStream connection, InboundStream stream, CancellationToken cancellationToken)
    {
        var tls = new SslStream(new DuplexStream(connection.Input.AsStream(leaveOpen: true), connection.Stream), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(_options.Tls!.ServerOptions(), cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (stream.Close("tls"))
            {
                ReportTls("tls", connection.Remote, e.Message);
            }

            await tls.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// True at once when the sender is known (or no check is set); otherwise holds the stream, unread, until
    /// membership learns the sender (true) or the grace ends (false: closed as <c>unknown_sender</c>).
    /// </summary>
    private async Task<bool> AwaitKnownSenderAsync(InboundStream stream, string node, CancellationToken cancellationToken)
    {
        if (IsKnownSender is not { } isKnown)
        {
            stream.Node = node;
            return true;
        }

        stream.Node = node;
        if (IsKnown(isKnown, node))
        {
            return true;
        }

        if (_options.UnknownSenderGrace <= TimeSpan.Zero)
        {
            stream.Close("unknown_sender");
            return false;
        }

        stream.SetDeadline(InboundPhase.UnknownSender, _options.UnknownSenderGrace);
        while (true)
        {
            var changed = Volatile.Read(ref _sendersChanged).Task;
            if (IsKnown(isKnown, node))
            {
                return !stream.IsClosed;
            }

            var done = await Task.WhenAny(changed, stream.Closed).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (ReferenceEquals(done, stream.Closed))
            {
                return false;
            }
        }
    }

    private bool IsKnown(Func<string, bool> isKnown, string node)
    {
        try
        {
            return isKnown(node);
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
            return false;
        }
    }

    /// <summary>
    /// Reads and consumes the mode byte; null (counted) when the connection is refused: an unknown mode, a mode
    /// this node does not take (TLS on: only TLS; TLS off: no TLS; the keyring's rules), or the end of the stream.
    /// </summary>
    private async Task<byte?> ReadModeAsync(PipeReader input, Wire.Memberlist.Keyring? keyring, InboundStream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 1)
            {
                var mode = buffer.FirstSpan[0];
                string? refusal = null;
                if (mode is not PlumtreeStreamProtocol.ModePlain and not PlumtreeStreamProtocol.ModeSealed and not PlumtreeStreamProtocol.ModeTls)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    Refuse(stream, new WireDecodeException(PlumtreeFrameCodec.Layer, PlumtreeStreamProtocol.BadHello, $"Unknown Plumtree stream mode {mode}."));
                    return null;
                }

                if (_options.Tls is not null)
                {
                    refusal = mode == PlumtreeStreamProtocol.ModeTls ? null : "tls_required";
                }
                else if (mode == PlumtreeStreamProtocol.ModeTls)
                {
                    refusal = "tls_not_configured";
                }
                else if (mode == PlumtreeStreamProtocol.ModeSealed && keyring is null)
                {
                    refusal = "encryption_not_configured";
                }
                else if (mode == PlumtreeStreamProtocol.ModePlain && keyring is not null && _options.VerifyIncoming)
                {
                    refusal = "not_encrypted";
                }

                if (refusal is not null)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (stream.Close(refusal) && refusal.StartsWith("tls", StringComparison.Ordinal))
                    {
                        ReportTls(refusal, stream.Connection.Remote, refusal == "tls_required" ? "the peer does not use TLS" : "the peer uses TLS and this node does not");
                    }

                    return null;
                }

                input.AdvanceTo(buffer.GetPosition(1));
                Counters.StreamIn(1);
                return mode;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                stream.Close("truncated");
                return null;
            }
        }
    }

    /// <summary>Reads the hello record (sealed when <paramref name="keyring"/> is given); null (counted) when the connection is refused.</summary>
    private async Task<PlumtreeStreamProtocol.Hello?> ReadHelloAsync(PipeReader input, Wire.Memberlist.Keyring? keyring, InboundStream stream, CancellationToken cancellationToken)
    {
        var isSealed = keyring is not null;
        var limit = isSealed
            ? Wire.Memberlist.MemberlistEncryption.EncryptedLength(Wire.Memberlist.MemberlistEncryption.CurrentVersion, PlumtreeStreamProtocol.MaxHelloBytes)
            : PlumtreeStreamProtocol.MaxHelloBytes;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var rest = buffer;
            bool complete;
            ReadOnlySequence<byte> payload;
            try
            {
                complete = PlumtreeStreamProtocol.TryReadRecord(ref rest, limit, out payload);
            }
            catch (WireDecodeException e)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                Refuse(stream, new WireDecodeException(e.Layer, PlumtreeStreamProtocol.BadHello, e.Message, e));
                return null;
            }

            if (complete)
            {
                try
                {
                    var bytes = payload.ToArray();
                    var plain = isSealed ? PlumtreeStreamProtocol.Open(keyring!, bytes, 0) : bytes;
                    var hello = PlumtreeStreamProtocol.DecodeHello(plain);
                    Counters.StreamIn(buffer.Length - rest.Length);
                    input.AdvanceTo(rest.Start);
                    return CheckHello(hello, stream) ? hello : null;
                }
                catch (WireDecodeException e)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    Refuse(stream, e);
                    return null;
                }
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                stream.Close("truncated");
                return null;
            }
        }
    }

    private bool CheckHello(PlumtreeStreamProtocol.Hello hello, InboundStream stream)
    {
        if (hello.Version != PlumtreeStreamProtocol.Version)
        {
            stream.Close("unsupported_version");
            return false;
        }

        if (!_options.SkipInboundLabelCheck && !hello.Label.AsSpan().SequenceEqual(_label))
        {
            stream.Close("label_mismatch");
            return false;
        }

        return true;
    }

    private void Refuse(InboundStream stream, WireDecodeException error)
    {
        if (!stream.IsClosed)
        {
            Counters.DecodeError(error);
        }

        stream.Close(error.Reason);
    }

    /// <summary>Frame loop; returns at EOF or at the first error (counted), which ends this connection only.</summary>
    private async Task ReadFramesAsync(PipeReader input, string node, Wire.Memberlist.Keyring? keyring, bool keysAllowed, InboundStream stream, CancellationToken cancellationToken)
    {
        var maxFrame = _options.MaxFrameSize;
        var maxRecord = PlumtreeStreamProtocol.MaxRecordPayload(maxFrame, keyring is not null);
        ulong sequence = 1;
        long skip = 0;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var before = buffer.Length;
            var keepGoing = true;
            var completed = 0;
            try
            {
                if (keyring is null)
                {
                    completed = DeliverFrames(ref buffer, node, maxFrame, ref skip, final: false, keysAllowed);
                }
                else
                {
                    while (PlumtreeStreamProtocol.TryReadRecord(ref buffer, maxRecord, out var sealedPayload))
                    {
                        // The live keyring (a key rotation may have removed the key this stream was opened with).
                        var plain = new ReadOnlySequence<byte>(PlumtreeStreamProtocol.Open(Keyring ?? keyring, sealedPayload.ToArray(), sequence++));
                        long recordSkip = 0;
                        DeliverFrames(ref plain, node, maxFrame, ref recordSkip, final: true, keysAllowed);
                        completed++;
                    }
                }
            }
            catch (WireDecodeException e)
            {
                if (e.Reason == PlumtreeFrameCodec.Reasons.TooLarge)
                {
                    Counters.Dropped.Increment("too_large");
                }

                Counters.DecodeError(e);
                keepGoing = false;
            }

            Counters.StreamIn(before - buffer.Length);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (!keepGoing)
            {
                return;
            }

            if (before > 0)
            {
                stream.Touch();
                if (buffer.IsEmpty && skip == 0)
                {
                    // Between frames: the idle deadline restarts.
                    stream.SetDeadline(InboundPhase.Idle, _options.IdleTimeout);
                }
                else if (completed > 0 || stream.Phase != InboundPhase.Frame)
                {
                    // Inside a frame: it must be complete within the read timeout (restarted by each complete frame, not by each byte).
                    stream.SetDeadline(InboundPhase.Frame, _options.FrameReadTimeout);
                }
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                if (!buffer.IsEmpty)
                {
                    Counters.DecodeErrors.Increment((PlumtreeFrameCodec.Layer, PlumtreeFrameCodec.Reasons.Truncated));
                }

                return;
            }
        }
    }

    /// <summary>
    /// Delivers every whole frame in <paramref name="buffer"/>. Frames of a type this version does not know
    /// are skipped (counted) so that newer peers can add types; any other error is thrown. With
    /// <paramref name="final"/>, the buffer must hold whole frames only (a sealed record). Keys frames are delivered only when
    /// <paramref name="keysAllowed"/> (a sealed stream, or TLS with a verified client certificate).
    /// Returns the number of frames completed (delivered or skipped to their end).
    /// </summary>
    private int DeliverFrames(ref ReadOnlySequence<byte> buffer, string node, int maxFrame, ref long skip, bool final, bool keysAllowed)
    {
        var completed = 0;
        while (true)
        {
            if (skip > 0)
            {
                var n = Math.Min(skip, buffer.Length);
                buffer = buffer.Slice(n);
                skip -= n;
                if (skip > 0)
                {
                    break;
                }

                completed++;
            }

            PlumtreeFrame frame;
            try
            {
                if (!PlumtreeFrameCodec.TryReadFrame(ref buffer, maxFrame, out frame))
                {
                    break;
                }
            }
            catch (WireDecodeException e) when (e.Reason == PlumtreeFrameCodec.Reasons.UnknownType && e.FrameLength is { } length)
            {
                Counters.DecodeError(e);
                skip = length;
                continue;
            }

            if (!keysAllowed && frame.Type == FrameType.Keys)
            {
                // Key commands carry keys and change the keyring: only an authenticated stream may carry them.
                Counters.Dropped.Increment("keys_not_sealed");
                completed++;
                continue;
            }

            Deliver(node, frame);
            completed++;
        }

        if (final && (!buffer.IsEmpty || skip > 0))
        {
            throw new WireDecodeException(PlumtreeFrameCodec.Layer, PlumtreeFrameCodec.Reasons.Truncated, "A sealed record ends inside a frame.");
        }

        return completed;
    }

    private void Deliver(string node, in PlumtreeFrame frame)
    {
        if (_options.InboundFramesPerSecond > 0)
        {
            var bucket = _buckets.GetOrAdd(node, static (_, self) => new TokenBucket(self._options.InboundFramesPerSecond, self._options.InboundBurst, self._time), this);
            if (!bucket.TryTake())
            {
                Counters.Dropped.Increment("rate_limited");
                return;
            }
        }

        var receivedAt = _time.GetTimestamp();
        Counters.FrameIn();
        try
        {
            FrameReceived?.Invoke(node, frame, receivedAt);
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
        }
    }

    private void CloseInbound(string node)
    {
        if (_inboundByNode.TryRemove(node, out var registered))
        {
            registered.Close(null);
        }
    }

    private void CloseAllInbound()
    {
        foreach (var stream in _admission.Streams())
        {
            stream.Close(null);
        }
    }
}
