using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>Outbound memberlist streams: push/pull, TCP ping, reliable user message.</summary>
internal sealed partial class MemberlistTransport
{
    /// <summary>
    /// Push/pull with <paramref name="to"/> (join or anti-entropy): dial, send <paramref name="local"/>
    /// (label header, compression and encryption as configured) and read the remote's state. The whole
    /// exchange is bounded by the TCP timeout.
    /// </summary>
    /// <exception cref="MemberlistStreamException">Unreachable, timed out, closed early, answered with an error
    /// (<see cref="MemberlistStreamException.RemoteError"/>), or answered with something unreadable.</exception>
    public async Task<PushPull> PushPullAsync(IPEndPoint to, PushPull local, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(local);
        var reply = await ExchangeAsync(to, local, expectReply: true, _options.TcpTimeout, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            PushPull remote => remote,
            null => throw new MemberlistStreamException($"Push/pull with {to}: the connection closed before a reply."),
            ErrorResponse error => throw new MemberlistStreamException($"Push/pull with {to}: remote error: {error.Error}", error.Error),
            _ => throw new MemberlistStreamException($"Push/pull with {to}: expected a push/pull reply, got {reply.Type}."),
        };
    }

    /// <summary>
    /// The TCP fallback ping: dial <paramref name="to"/>, send <paramref name="ping"/>, and wait for an ack with
    /// the same sequence number, all within <paramref name="timeout"/>. Any failure is <see langword="false"/>
    /// (an unreachable node is the expected failure; the reason is counted).
    /// </summary>
    public async Task<bool> TcpPingAsync(IPEndPoint to, Ping ping, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(ping);
        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        try
        {
            var reply = await ExchangeAsync(to, ping, expectReply: true, timeout, cancellationToken).ConfigureAwait(false);
            if (reply is Ack ack && ack.SeqNo == ping.SeqNo)
            {
                return true;
            }

            Counters.Errors.Increment("tcp_ping_reply");
            return false;
        }
        catch (MemberlistStreamException)
        {
            return false;
        }
    }

    /// <summary>A reliable user message: dial, send <c>[8]</c> + header + <paramref name="payload"/>, close.</summary>
    /// <exception cref="MemberlistStreamException">Unreachable or timed out.</exception>
    public async Task SendUserStreamAsync(IPEndPoint to, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(to);
        await ExchangeAsync(to, new UserMessage(payload.ToArray()), expectReply: false, _options.TcpTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Dials, writes one message, and reads at most one reply (<see langword="null"/> at EOF).</summary>
    private async Task<MemberlistMessage?> ExchangeAsync(IPEndPoint to, MemberlistMessage request, bool expectReply, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var keyring = Keyring;
        var bytes = StreamCodec.Encode(request, StreamOptions(_label, keyring, writeLabelHeader: true));
        using var linked = Deadline(timeout, cancellationToken, out var timer);
        using var timerScope = timer;
        try
        {
            var verdict = Intercept(TransportChannel.MemberlistStream, to, bytes.Length);
            if (verdict.Action == InterceptAction.Drop)
            {
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            if (verdict.Action == InterceptAction.Delay)
            {
                await Task.Delay(verdict.Delay, _time, linked.Token).ConfigureAwait(false);
            }

            using var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(to, linked.Token).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(bytes, linked.Token).ConfigureAwait(false);
            Counters.StreamOut(bytes.Length);
            if (!expectReply)
            {
                return null;
            }

            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            try
            {
                var reader = new StreamMessageReader(new StreamReaderOptions
                {
                    Keyring = keyring,
                    VerifyIncoming = _options.GossipVerifyIncoming,
                    Label = _label,
                    ReadLabelHeader = false,
                });
                return await ReadStreamMessageAsync(input, reader, to, linked.Token).ConfigureAwait(false);
            }
            finally
            {
                await input.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            Counters.Errors.Increment("stream_timeout");
            throw new MemberlistStreamException($"Stream to {to} timed out after {timeout}.", inner: e);
        }
        catch (WireDecodeException e)
        {
            Counters.DecodeError(e);
            throw new MemberlistStreamException($"Cannot read the reply from {to}: {e.Message}", inner: e);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Counters.Errors.Increment("stream_failed");
            throw new MemberlistStreamException($"Stream to {to} failed: {e.Message}", inner: e);
        }
    }
}
