using System.Net;
using System.Net.Sockets;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>The UDP side: receive loop and packet sends.</summary>
internal sealed partial class MemberlistTransport
{
    /// <summary>Receive buffer: the largest UDP payload fits.</summary>
    private const int ReceiveBufferSize = 64 * 1024;

    /// <summary>Largest UDP payload over IPv4.</summary>
    private const int MaxDatagramSize = 65_507;

    /// <summary>
    /// Sends one message (a single encoded message or an already built compound) to <paramref name="to"/>,
    /// compressed when enabled and smaller, with a CRC wrapper when <paramref name="crc"/> (the recipient's
    /// protocol max is ≥ 5), encrypted when a keyring is set, and labelled. Send failures are counted, not
    /// thrown (UDP is best-effort); a datagram over 65,507 bytes is dropped and counted as <c>too_large</c>.
    /// </summary>
    public async ValueTask SendPacketAsync(IPEndPoint to, ReadOnlyMemory<byte> message, bool crc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(to);
        var options = Volatile.Read(ref _packetEncode);
        var datagram = PacketCodec.EncodeDatagram(message.Span, crc ? options with { Crc = true } : options);
        if (datagram.Length > MaxDatagramSize)
        {
            Counters.Dropped.Increment("too_large");
            return;
        }

        var verdict = Intercept(TransportChannel.Datagram, to, datagram.Length);
        switch (verdict.Action)
        {
            case InterceptAction.Drop:
                Counters.Dropped.Increment("fault_injected");
                return;
            case InterceptAction.Delay:
                _tasks.Track(SendLaterAsync(to, datagram, verdict.Delay));
                return;
            default:
                await SendDatagramAsync(to, datagram, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private async Task SendLaterAsync(IPEndPoint to, byte[] datagram, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
            await SendDatagramAsync(to, datagram, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async ValueTask SendDatagramAsync(IPEndPoint to, byte[] datagram, CancellationToken cancellationToken)
    {
        try
        {
            await _udp.SendToAsync(datagram, SocketFlags.None, to, cancellationToken).ConfigureAwait(false);
            Counters.DatagramOut(datagram.Length);
        }
        catch (SocketException)
        {
            Counters.Errors.Increment("udp_send");
        }
        catch (ObjectDisposedException)
        {
            Counters.Errors.Increment("udp_send");
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
        EndPoint any = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
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
                // E.g. an ICMP error surfaced on this socket: it concerns one peer, keep going.
                Counters.Errors.Increment("udp_receive");
                continue;
            }

            var receivedAt = _time.GetTimestamp();
            Counters.DatagramIn(received.ReceivedBytes);
            HandleDatagram((IPEndPoint)received.RemoteEndPoint, buffer.AsMemory(0, received.ReceivedBytes), receivedAt);
        }
    }

    /// <summary>Decodes one datagram and raises it; every failure is counted and confined to this datagram.</summary>
    private void HandleDatagram(IPEndPoint from, ReadOnlyMemory<byte> datagram, long receivedAt)
    {
        if (datagram.IsEmpty)
        {
            Counters.DecodeErrors.Increment(("memberlist", "truncated"));
            return;
        }

        DecodedPacket packet;
        try
        {
            packet = PacketCodec.DecodeDatagram(datagram, Volatile.Read(ref _packetDecode));
        }
        catch (WireDecodeException e)
        {
            Counters.DecodeError(e);
            return;
        }

        foreach (var error in packet.PartErrors)
        {
            Counters.DecodeError(error);
        }

        if (packet.TruncatedParts > 0)
        {
            Counters.DecodeErrors.Increment(("memberlist", "truncated"), packet.TruncatedParts);
        }

        if (packet.Messages.Count == 0)
        {
            return;
        }

        try
        {
            PacketReceived?.Invoke(from, packet, receivedAt);
        }
        catch (Exception)
        {
            Counters.Errors.Increment("handler");
        }
    }
}
