using System.Net.Sockets;
using System.Text;

namespace Plumtree.ClusterBench.Versus;

/// <summary>
/// The few Serf agent RPC calls the benchmark needs (handshake, event, members): msgpack over TCP, a header map
/// {Command, Seq} then a body map; replies are a header {Seq, Error} then a body. Strings go out as msgpack raw
/// (what Serf's codec reads for both strings and byte slices).
/// </summary>
internal sealed class SerfRpc : IDisposable
{
    private readonly TcpClient _client;
    private readonly BufferedStream _stream;
    private ulong _seq;

    private SerfRpc(TcpClient client)
    {
        _client = client;
        _stream = new BufferedStream(client.GetStream());
    }

    /// <summary>Connects and handshakes; throws when the agent does not answer.</summary>
    public static SerfRpc Connect(int port, TimeSpan timeout)
    {
        var client = new TcpClient { ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds, NoDelay = true };
        try
        {
            client.Connect("127.0.0.1", port);
            var rpc = new SerfRpc(client);
            rpc.Call("handshake", new Dictionary<string, object?>(StringComparer.Ordinal) { ["Version"] = 1L }, hasReply: false);
            return rpc;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends a user event (not coalesced); null when accepted, else Serf's error.</summary>
    public string? Event(string name, byte[] payload) =>
        Call("event", new Dictionary<string, object?>(StringComparer.Ordinal) { ["Name"] = name, ["Payload"] = payload, ["Coalesce"] = false }, hasReply: false).Error;

    /// <summary>Members and their status as this agent sees them.</summary>
    public IReadOnlyList<(string Name, string Status)> Members()
    {
        var (error, body) = Call("members", null, hasReply: true);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }

        var list = (List<object?>)((Dictionary<string, object?>)body!)["Members"]!;
        return list.Cast<Dictionary<string, object?>>().Select(m => ((string)m["Name"]!, (string)m["Status"]!)).ToList();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }

    private (string? Error, object? Body) Call(string command, Dictionary<string, object?>? body, bool hasReply)
    {
        var seq = _seq++;
        Write(new Dictionary<string, object?>(StringComparer.Ordinal) { ["Command"] = command, ["Seq"] = (long)seq });
        if (body is not null)
        {
            Write(body);
        }

        _stream.Flush();
        var header = (Dictionary<string, object?>)Read()!;
        var error = header.TryGetValue("Error", out var e) && e is string { Length: > 0 } text ? text : null;
        return (error, hasReply && error is null ? Read() : null);
    }

    private void Write(object? value)
    {
        switch (value)
        {
            case null:
                _stream.WriteByte(0xc0);
                break;
            case bool b:
                _stream.WriteByte(b ? (byte)0xc3 : (byte)0xc2);
                break;
            case long l when l >= 0 && l < 128:
                _stream.WriteByte((byte)l);
                break;
            case long l:
                _stream.WriteByte(0xd3);
                WriteBigEndian((ulong)l, 8);
                break;
            case string s:
                WriteRaw(Encoding.UTF8.GetBytes(s));
                break;
            case byte[] bytes:
                WriteRaw(bytes);
                break;
            case Dictionary<string, object?> map:
                _stream.WriteByte((byte)(0x80 | map.Count));
                foreach (var (k, v) in map)
                {
                    Write(k);
                    Write(v);
                }

                break;
            default:
                throw new ArgumentException($"cannot encode {value.GetType()}");
        }
    }

    private void WriteRaw(byte[] bytes)
    {
        if (bytes.Length < 32)
        {
            _stream.WriteByte((byte)(0xa0 | bytes.Length));
        }
        else if (bytes.Length <= ushort.MaxValue)
        {
            _stream.WriteByte(0xda);
            WriteBigEndian((ulong)bytes.Length, 2);
        }
        else
        {
            _stream.WriteByte(0xdb);
            WriteBigEndian((ulong)bytes.Length, 4);
        }

        _stream.Write(bytes);
    }

    private void WriteBigEndian(ulong value, int size)
    {
        for (var i = size - 1; i >= 0; i--)
        {
            _stream.WriteByte((byte)(value >> (8 * i)));
        }
    }

    private int Byte()
    {
        var b = _stream.ReadByte();
        return b < 0 ? throw new EndOfStreamException("serf closed the RPC connection") : b;
    }

    private ulong BigEndian(int size)
    {
        ulong v = 0;
        for (var i = 0; i < size; i++)
        {
            v = (v << 8) | (uint)Byte();
        }

        return v;
    }

    private byte[] Bytes(int length)
    {
        var buffer = new byte[length];
        _stream.ReadExactly(buffer);
        return buffer;
    }

    private object? Read()
    {
        var b = Byte();
        return b switch
        {
            <= 0x7f => (long)b,
            >= 0xe0 => (long)(sbyte)b,
            >= 0x80 and <= 0x8f => Map(b & 0x0f),
            >= 0x90 and <= 0x9f => Array(b & 0x0f),
            >= 0xa0 and <= 0xbf => Encoding.UTF8.GetString(Bytes(b & 0x1f)),
            0xc0 => null,
            0xc2 => false,
            0xc3 => true,
            0xc4 or 0xd9 => Encoding.UTF8.GetString(Bytes((int)BigEndian(1))),
            0xc5 or 0xda => Encoding.UTF8.GetString(Bytes((int)BigEndian(2))),
            0xc6 or 0xdb => Encoding.UTF8.GetString(Bytes((int)BigEndian(4))),
            0xca => (double)BitConverter.Int32BitsToSingle((int)BigEndian(4)),
            0xcb => BitConverter.Int64BitsToDouble((long)BigEndian(8)),
            0xcc => (long)BigEndian(1),
            0xcd => (long)BigEndian(2),
            0xce => (long)BigEndian(4),
            0xcf => (long)BigEndian(8),
            0xd0 => (long)(sbyte)BigEndian(1),
            0xd1 => (long)(short)BigEndian(2),
            0xd2 => (long)(int)BigEndian(4),
            0xd3 => (long)BigEndian(8),
            0xdc => Array((int)BigEndian(2)),
            0xdd => Array((int)BigEndian(4)),
            0xde => Map((int)BigEndian(2)),
            0xdf => Map((int)BigEndian(4)),
            _ => throw new InvalidDataException($"msgpack type 0x{b:x2} is not read here"),
        };
    }

    private Dictionary<string, object?> Map(int count)
    {
        var map = new Dictionary<string, object?>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = Read()?.ToString() ?? "";
            map[key] = Read();
        }

        return map;
    }

    private List<object?> Array(int count)
    {
        var list = new List<object?>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(Read());
        }

        return list;
    }
}
