using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Transport;

/// <summary>A bare TCP client for driving the listener byte by byte (never half-closes unless asked).</summary>
internal sealed class RawStreamClient : IAsyncDisposable
{
    private readonly TcpClient _client;

    private RawStreamClient(TcpClient client)
    {
        _client = client;
        Stream = client.GetStream();
    }

    public NetworkStream Stream { get; }

    public static async Task<RawStreamClient> ConnectAsync(IPEndPoint to, IPAddress? from = null)
    {
        var client = from is null ? new TcpClient(AddressFamily.InterNetwork) : new TcpClient(new IPEndPoint(from, 0));
        client.NoDelay = true;
        await client.ConnectAsync(to, TransportTestKit.Ct).AsTask().Within();
        return new RawStreamClient(client);
    }

    public Task WriteAsync(ReadOnlyMemory<byte> bytes) => Stream.WriteAsync(bytes, TransportTestKit.Ct).AsTask().Within();

    /// <summary>Reads one memberlist stream message; null if the server closes first.</summary>
    public async Task<MemberlistMessage?> ReadMessageAsync(StreamReaderOptions options)
    {
        var received = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            var n = await Stream.ReadAsync(chunk, TransportTestKit.Ct).AsTask().Within();
            if (n == 0)
            {
                return null;
            }

            received.AddRange(chunk.AsSpan(0, n));
            var buffer = new ReadOnlySequence<byte>(received.ToArray());
            var fresh = new StreamMessageReader(options);
            if (fresh.TryRead(ref buffer, out var message))
            {
                return message;
            }
        }
    }

    /// <summary>Reads until the server closes; returns how many bytes came first.</summary>
    public async Task<int> ReadToEndAsync()
    {
        var total = 0;
        var chunk = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await Stream.ReadAsync(chunk, TransportTestKit.Ct).AsTask().Within();
            }
            catch (IOException)
            {
                return total;
            }

            if (n == 0)
            {
                return total;
            }

            total += n;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
