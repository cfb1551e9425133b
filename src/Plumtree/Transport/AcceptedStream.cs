using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Plumtree.Transport;

/// <summary>
/// An inbound TCP connection handed over by the first-byte switch of <see cref="MemberlistTransport"/>:
/// <see cref="Input"/> starts right after the prefix byte (bytes already buffered are kept). The transport
/// closes the connection when the acceptor's task completes.
/// </summary>
internal sealed class AcceptedStream : IAsyncDisposable
{
    private readonly Socket _socket;
    private int _closed;

    /// <summary>Wraps an accepted connection.</summary>
    public AcceptedStream(Socket socket, NetworkStream stream, PipeReader input, IPEndPoint remote)
    {
        _socket = socket;
        Stream = stream;
        Input = input;
        Remote = remote;
    }

    /// <summary>The socket stream (for writing).</summary>
    public NetworkStream Stream { get; }

    /// <summary>What the peer sent, after the prefix byte.</summary>
    public PipeReader Input { get; }

    /// <summary>The peer's address.</summary>
    public IPEndPoint Remote { get; }

    /// <summary>Closes the connection now (any pending read ends); safe to call more than once and from any thread.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Abort();
        await Input.CompleteAsync().ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
    }
}
