using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Transport;

/// <summary>Inbound side: hello, frame loop, rate limit, per-peer connection bookkeeping.</summary>
internal sealed partial class PlumtreeStreamTransport
{
    private readonly ConcurrentDictionary<string, AcceptedStream> _inboundByNode = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<AcceptedStream, byte> _inbound = new();

    /// <summary>Number of open inbound connections.</summary>
    public int InboundConnections => _inbound.Count;

    /// <summary>
    /// Serves one inbound Plumtree stream (positioned after the prefix byte) until it ends: reads the mode and
    /// hello within the hello timeout, checks encryption and label, then raises every frame. A newer
    /// connection from the same node replaces the older one. Never throws for bad input: it is counted and the
    /// connection ends. Register as <see cref="MemberlistTransport.PlumtreeAcceptor"/>.
    /// </summary>
    public async Task AcceptAsync(AcceptedStream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (_inbound.Count >= _options.MaxInboundConnections)
        {
            Counters.StreamsRefused.Increment("too_many_connections");
            return;
        }

        string? node = null;
        var timer = new CancellationTokenSource(_options.HelloTimeout, _time);
        _inbound.TryAdd(connection, 0);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            var keyring = Keyring;
            (bool Sealed, PlumtreeStreamProtocol.Hello Hello)? opened;
            using (timer)
            using (var helloDeadline = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, timer.Token))
            {
                try
                {
                    opened = await ReadHelloAsync(connection.Input, keyring, helloDeadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timer.IsCancellationRequested && !linked.IsCancellationRequested)
                {
                    Counters.StreamsRefused.Increment("hello_timeout");
                    return;
                }
            }

            if (opened is not { } hello)
            {
                return;
            }

            node = hello.Hello.Node;
            if (_inboundByNode.TryGetValue(node, out var previous) && !ReferenceEquals(previous, connection))
            {
                // The peer keeps one connection to us: a new one means the old one is dead.
                previous.Abort();
            }

            _inboundByNode[node] = connection;
            await ReadFramesAsync(connection.Input, node, hello.Sealed ? keyring : null, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Connection reset or closed under us: the peer reconnects if it still wants to talk.
        }
        finally
        {
            _inbound.TryRemove(connection, out _);
            if (node is not null && _inboundByNode.TryRemove(new KeyValuePair<string, AcceptedStream>(node, connection)))
            {
                // Its last connection is gone: forget its rate-limit state too (bounded memory).
                _buckets.TryRemove(node, out _);
            }
        }
    }

    /// <summary>Reads mode and hello; null (counted) when the connection is refused.</summary>
    private async Task<(bool Sealed, PlumtreeStreamProtocol.Hello Hello)?> ReadHelloAsync(PipeReader input, Wire.Memberlist.Keyring? keyring, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 1)
            {
                var mode = buffer.FirstSpan[0];
                if (mode is not PlumtreeStreamProtocol.ModePlain and not PlumtreeStreamProtocol.ModeSealed)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    Refuse(new WireDecodeException(PlumtreeFrameCodec.Layer, PlumtreeStreamProtocol.BadHello, $"Unknown Plumtree stream mode {mode}."));
                    return null;
                }

                var isSealed = mode == PlumtreeStreamProtocol.ModeSealed;
                if (isSealed && keyring is null)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    Counters.StreamsRefused.Increment("encryption_not_configured");
                    return null;
                }

                if (!isSealed && keyring is not null && _options.VerifyIncoming)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    Counters.StreamsRefused.Increment("not_encrypted");
                    return null;
                }

                var rest = buffer.Slice(1);
                bool complete;
                ReadOnlySequence<byte> payload;
                try
                {
                    var limit = isSealed
                        ? Wire.Memberlist.MemberlistEncryption.EncryptedLength(Wire.Memberlist.MemberlistEncryption.CurrentVersion, PlumtreeStreamProtocol.MaxHelloBytes)
                        : PlumtreeStreamProtocol.MaxHelloBytes;
                    complete = PlumtreeStreamProtocol.TryReadRecord(ref rest, limit, out payload);
                }
                catch (WireDecodeException e)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    Refuse(new WireDecodeException(e.Layer, PlumtreeStreamProtocol.BadHello, e.Message, e));
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
                        return CheckHello(hello) ? (isSealed, hello) : null;
                    }
                    catch (WireDecodeException e)
                    {
                        input.AdvanceTo(buffer.Start, buffer.End);
                        Refuse(e);
                        return null;
                    }
                }
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                Counters.StreamsRefused.Increment("truncated");
                return null;
            }
        }
    }

    private bool CheckHello(PlumtreeStreamProtocol.Hello hello)
    {
        if (hello.Version != PlumtreeStreamProtocol.Version)
        {
            Counters.StreamsRefused.Increment("unsupported_version");
            return false;
        }

        if (!_options.SkipInboundLabelCheck && !hello.Label.AsSpan().SequenceEqual(_label))
        {
            Counters.StreamsRefused.Increment("label_mismatch");
            return false;
        }

        return true;
    }

    private void Refuse(WireDecodeException error)
    {
        Counters.DecodeError(error);
        Counters.StreamsRefused.Increment(error.Reason);
    }

    /// <summary>Frame loop; returns at EOF or at the first error (counted), which ends this connection only.</summary>
    private async Task ReadFramesAsync(PipeReader input, string node, Wire.Memberlist.Keyring? keyring, CancellationToken cancellationToken)
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
            try
            {
                if (keyring is null)
                {
                    keepGoing = DeliverFrames(ref buffer, node, maxFrame, ref skip, final: false);
                }
                else
                {
                    while (keepGoing && PlumtreeStreamProtocol.TryReadRecord(ref buffer, maxRecord, out var sealedPayload))
                    {
                        // The live keyring (a key rotation may have removed the key this stream was opened with).
                        var plain = new ReadOnlySequence<byte>(PlumtreeStreamProtocol.Open(Keyring ?? keyring, sealedPayload.ToArray(), sequence++));
                        long recordSkip = 0;
                        keepGoing = DeliverFrames(ref plain, node, maxFrame, ref recordSkip, final: true);
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
    /// <paramref name="final"/>, the buffer must hold whole frames only (a sealed record); Keys frames are delivered only then.
    /// </summary>
    private bool DeliverFrames(ref ReadOnlySequence<byte> buffer, string node, int maxFrame, ref long skip, bool final)
    {
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

            if (!final && frame.Type == FrameType.Keys)
            {
                // Key commands carry keys and change the keyring: only a stream sealed with a key of ours may carry them.
                Counters.Dropped.Increment("keys_not_sealed");
                continue;
            }

            Deliver(node, frame);
        }

        if (final && (!buffer.IsEmpty || skip > 0))
        {
            throw new WireDecodeException(PlumtreeFrameCodec.Layer, PlumtreeFrameCodec.Reasons.Truncated, "A sealed record ends inside a frame.");
        }

        return true;
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
        foreach (var connection in _inbound.Keys)
        {
            if (_inboundByNode.TryGetValue(node, out var current) && ReferenceEquals(current, connection))
            {
                connection.Abort();
            }
        }

        if (_inboundByNode.TryRemove(node, out var registered))
        {
            registered.Abort();
        }
    }

    private void CloseAllInbound()
    {
        foreach (var connection in _inbound.Keys)
        {
            connection.Abort();
        }
    }
}
