using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>The TCP listener: first-byte switch and inbound memberlist streams.</summary>
internal sealed partial class MemberlistTransport
{
    /// <summary>Highest memberlist message type a stream may start with (errResp).</summary>
    private const byte LastStreamType = (byte)MessageType.Err;

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _tcp.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                Counters.Errors.Increment("accept");
                continue;
            }

            _connections.TryAdd(client, 0);
            _tasks.Track(HandleConnectionAsync(client, cancellationToken));
        }
    }

    /// <summary>Reads the first byte and routes the connection; closes it at the end whatever happens.</summary>
    private async Task HandleConnectionAsync(Socket socket, CancellationToken stopping)
    {
        await Task.Yield();
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _connections.TryRemove(socket, out _);
            socket.Dispose();
            return;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var accepted = new AcceptedStream(socket, stream, input, remote);
        try
        {
            StreamAcceptor? acceptor = null;
            using (var timeout = new CancellationTokenSource(_options.TcpTimeout, _time))
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token))
            {
                try
                {
                    var prefix = await PeekFirstByteAsync(input, deadline.Token).ConfigureAwait(false);
                    if (prefix < 0)
                    {
                        // Closed before sending anything (a port probe): nothing to answer, as in Go.
                        return;
                    }

                    if (prefix == TransportDefaults.PlumtreeStreamPrefix)
                    {
                        var first = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
                        input.AdvanceTo(first.Buffer.GetPosition(1));
                        Counters.StreamIn(1);
                        acceptor = PlumtreeAcceptor;
                        if (acceptor is null)
                        {
                            Counters.StreamsRefused.Increment("no_acceptor");
                            return;
                        }

                        Counters.StreamsAccepted.Increment("plumtree");
                    }
                    else if (prefix <= LastStreamType || prefix == (byte)MessageType.HasLabel)
                    {
                        Counters.StreamsAccepted.Increment("memberlist");
                        await HandleMemberlistStreamAsync(accepted, deadline.Token).ConfigureAwait(false);
                        return;
                    }
                    else
                    {
                        Counters.StreamsRefused.Increment("unknown_prefix");
                        return;
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
                {
                    Counters.StreamsRefused.Increment("timeout");
                    return;
                }
            }

            // The Plumtree stream lives on without the memberlist deadline.
            await acceptor(accepted, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Counters.Errors.Increment("stream_io");
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
        }
        finally
        {
            _connections.TryRemove(socket, out _);
            await accepted.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The first byte without consuming it, or -1 when the stream ends before one arrives.</summary>
    private static async Task<int> PeekFirstByteAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                int first = result.Buffer.FirstSpan[0];
                input.AdvanceTo(result.Buffer.Start);
                return first;
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return -1;
            }
        }
    }

    /// <summary>
    /// One memberlist request and at most one reply (memberlist-wire.md §6): parse incrementally (the Go
    /// dialer does not half-close), answer, close. A stream that cannot be read is answered with an
    /// <c>errResp</c>, as Go does; one with the wrong label is closed silently, as Go v0.3+ does.
    /// </summary>
    private async Task HandleMemberlistStreamAsync(AcceptedStream connection, CancellationToken cancellationToken)
    {
        var keyring = Keyring;
        var reader = new StreamMessageReader(new StreamReaderOptions
        {
            Keyring = keyring,
            VerifyIncoming = _options.GossipVerifyIncoming,
            Label = _label,
            ReadLabelHeader = true,
            SkipInboundLabelCheck = _options.SkipInboundLabelCheck,
        });

        MemberlistMessage? message;
        try
        {
            message = await ReadStreamMessageAsync(connection.Input, reader, connection.Remote, cancellationToken).ConfigureAwait(false);
        }
        catch (WireDecodeException e)
        {
            Counters.DecodeError(e);
            Counters.StreamsRefused.Increment(e.Reason);
            if (e.Reason != "label_mismatch")
            {
                await WriteReplyAsync(connection, new ErrorResponse(e.Message), reader.Label, keyring, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (message is null)
        {
            // EOF before a whole message: the dialer gave up; nobody to answer.
            Counters.StreamsRefused.Increment("truncated");
            return;
        }

        var receivedAt = _time.GetTimestamp();
        switch (message)
        {
            case PushPull remote:
                await ServePushPullAsync(connection, remote, reader.Label, keyring, cancellationToken).ConfigureAwait(false);
                break;
            case Ping ping:
                if (ping.Node.Length != 0 && !string.Equals(ping.Node, NodeName, StringComparison.Ordinal))
                {
                    // Go logs "Got ping for unexpected node" and closes without an ack.
                    Counters.StreamsRefused.Increment("wrong_node");
                    return;
                }

                await WriteReplyAsync(connection, new Ack(ping.SeqNo), reader.Label, keyring, cancellationToken).ConfigureAwait(false);
                break;
            case UserMessage user:
                try
                {
                    UserMessageReceived?.Invoke(connection.Remote, user, receivedAt);
                }
                catch (Exception)
                {
                    Counters.Errors.Increment("handler");
                }

                break;
            default:
                Counters.StreamsRefused.Increment("unexpected_type");
                break;
        }
    }

    private async Task ServePushPullAsync(AcceptedStream connection, PushPull remote, ReadOnlyMemory<byte> label, Keyring? keyring, CancellationToken cancellationToken)
    {
        try
        {
            if (Interlocked.Increment(ref _pushPullsInFlight) > _options.MaxConcurrentPushPulls)
            {
                // Go: "Too many pending push/pull requests", closed unanswered.
                Counters.StreamsRefused.Increment("too_many_pushpulls");
                return;
            }

            if (PushPullRequested is not { } handler)
            {
                Counters.StreamsRefused.Increment("no_handler");
                return;
            }

            PushPull local;
            try
            {
                local = await handler(connection.Remote, remote, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                Counters.Errors.Increment("handler");
                return;
            }

            await WriteReplyAsync(connection, local, label, keyring, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pushPullsInFlight);
        }
    }

    /// <summary>Reads one stream message; <see langword="null"/> when the stream ends first.</summary>
    private async Task<MemberlistMessage?> ReadStreamMessageAsync(PipeReader input, StreamMessageReader reader, IPEndPoint remote, CancellationToken cancellationToken)
    {
        long consumed = 0;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var received = consumed + buffer.Length;
            InboundStreamProgress?.Invoke(remote, received);
            bool complete;
            MemberlistMessage? message;
            try
            {
                complete = reader.TryRead(ref buffer, out message);
            }
            finally
            {
                consumed += result.Buffer.Length - buffer.Length;
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (complete)
            {
                Counters.StreamIn(consumed);
                return message;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                Counters.StreamIn(received);
                return null;
            }
        }
    }

    private async Task WriteReplyAsync(AcceptedStream connection, MemberlistMessage reply, ReadOnlyMemory<byte> label, Keyring? keyring, CancellationToken cancellationToken)
    {
        var bytes = StreamCodec.Encode(reply, StreamOptions(label, keyring, writeLabelHeader: false));
        await connection.Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Counters.StreamOut(bytes.Length);
    }

    private StreamEncodeOptions StreamOptions(ReadOnlyMemory<byte> label, Keyring? keyring, bool writeLabelHeader) => new()
    {
        Compress = _options.EnableCompression,
        Keyring = _options.GossipVerifyOutgoing ? keyring : null,
        EncryptionVersion = _options.EncryptionVersion,
        Label = label,
        WriteLabelHeader = writeLabelHeader && label.Length > 0,
    };
}
