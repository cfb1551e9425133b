using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Plumtree.Testing;

/// <summary>
/// A tiny authoritative DNS server on a loopback UDP port, speaking the RFC 1035 wire format: answers SRV queries
/// (with the targets' A records in the additional section, unless told not to) and A queries for the names it holds;
/// NXDOMAIN for any other name. Records can change while it runs, as a headless Service's do when a StatefulSet scales.
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeSrv = 33;

    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<(string Target, int Port)>> _srv = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, IPAddress> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<(string Name, ushort Type)> _queries = new();
    private readonly Task _loop;

    /// <summary>Binds a loopback UDP port and starts answering.</summary>
    public LoopbackDnsServer() => _loop = ServeAsync();

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    /// <summary>When false, SRV answers carry no additional A records (clients must ask for the targets).</summary>
    public bool IncludeAdditionals { get; set; } = true;

    /// <summary>The questions received so far.</summary>
    public IReadOnlyList<(string Name, ushort Type)> Queries => [.. _queries];

    /// <summary>SRV questions received for <paramref name="name"/>.</summary>
    public int SrvQueriesFor(string name) => _queries.Count(q => q.Type == TypeSrv && string.Equals(q.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Sets the SRV records of <paramref name="name"/>, one per end point, each target named <c>host-N.name's domain</c> with its A record.</summary>
    public void SetSrv(string name, params IPEndPoint[] endPoints)
    {
        var records = new List<(string, int)>();
        for (var i = 0; i < endPoints.Length; i++)
        {
            var target = $"pod-{i}.{name.TrimStart('_')}";
            target = target.Replace("._", ".", StringComparison.Ordinal);
            _hosts[target] = endPoints[i].Address;
            records.Add((target, endPoints[i].Port));
        }

        _srv[name] = records;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _socket.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (Answer(request.Buffer) is { } response)
            {
                try
                {
                    await _socket.SendAsync(response, request.RemoteEndPoint, _stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    // The client went away or the server is stopping.
                }
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1)
        {
            return null;
        }

        var offset = 12;
        var name = ReadName(query, ref offset);
        if (name is null || offset + 4 > query.Length)
        {
            return null;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        var questionEnd = offset + 4;
        _queries.Enqueue((name, type));

        var answers = new List<byte[]>();
        var additionals = new List<byte[]>();
        var known = false;
        if (_srv.TryGetValue(name, out var records))
        {
            known = true;
            if (type == TypeSrv)
            {
                foreach (var (target, port) in records)
                {
                    var data = new List<byte>();
                    data.AddRange([0, 10, 0, 50, (byte)(port >> 8), (byte)port]);
                    data.AddRange(EncodeName(target));
                    answers.Add(Record(name, TypeSrv, [.. data]));
                    if (IncludeAdditionals && _hosts.TryGetValue(target, out var address))
                    {
                        additionals.Add(Record(target, TypeA, address.GetAddressBytes()));
                    }
                }
            }
        }

        if (_hosts.TryGetValue(name, out var host))
        {
            known = true;
            if (type == TypeA && host.AddressFamily == AddressFamily.InterNetwork)
            {
                answers.Add(Record(name, TypeA, host.GetAddressBytes()));
            }
        }

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // id
        var rd = (byte)(query[2] & 0x01);
        response.Add((byte)(0x84 | rd)); // QR, AA, RD copied
        response.Add((byte)(0x80 | (known ? 0 : 3))); // RA, rcode NOERROR or NXDOMAIN
        response.AddRange([0, 1]);
        response.AddRange([(byte)(answers.Count >> 8), (byte)answers.Count]);
        response.AddRange([0, 0]);
        response.AddRange([(byte)(additionals.Count >> 8), (byte)additionals.Count]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var record in answers.Concat(additionals))
        {
            response.AddRange(record);
        }

        return [.. response];
    }

    private static byte[] Record(string name, ushort type, byte[] data)
    {
        var record = new List<byte>(EncodeName(name));
        record.AddRange([(byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 5, (byte)(data.Length >> 8), (byte)data.Length]);
        record.AddRange(data);
        return [.. record];
    }

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static string? ReadName(byte[] packet, ref int offset)
    {
        var labels = new List<string>();
        while (offset < packet.Length)
        {
            var length = packet[offset++];
            if (length == 0)
            {
                return string.Join('.', labels);
            }

            if (length > 63 || offset + length > packet.Length)
            {
                return null;
            }

            labels.Add(Encoding.ASCII.GetString(packet, offset, length));
            offset += length;
        }

        return null;
    }

    /// <summary>Stops answering and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }
}
