using System.Threading.Channels;
using Plumtree.Agent.Configuration;
using Plumtree.Node;

namespace Plumtree.Agent.Messages;

/// <summary>
/// Recent deliveries (a bounded ring buffer, oldest evicted) for <c>GET /v1/messages</c>, and live readers for
/// <c>GET /v1/messages/stream</c> and <c>GET /v1/events</c> (each with its own bounded buffer that drops its oldest when the reader lags).
/// </summary>
internal sealed class MessageLog(AgentSettings settings)
{
    private readonly Lock _gate = new();
    private readonly ReceivedMessage?[] _ring = new ReceivedMessage?[settings.MessageBufferCapacity];
    private readonly List<Channel<ReceivedMessage>> _readers = [];
    private long _total;
    private long _streamDropped;

    public int Capacity => _ring.Length;

    /// <summary>Deliveries recorded since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Deliveries dropped from lagging stream readers.</summary>
    public long StreamDropped => Interlocked.Read(ref _streamDropped);

    /// <summary>Records a delivery and hands it to every live reader. Quick and non-blocking (called on the node's loop).</summary>
    public void Add(ReceivedMessage message)
    {
        lock (_gate)
        {
            _ring[_total % _ring.Length] = message;
            Interlocked.Increment(ref _total);
            foreach (var reader in _readers)
            {
                reader.Writer.TryWrite(message);
            }
        }
    }

    /// <summary>The last <paramref name="limit"/> deliveries, oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Recent(int limit)
    {
        lock (_gate)
        {
            var count = (int)Math.Min(Math.Min(limit, _ring.Length), _total);
            var result = new List<ReceivedMessage>(count);
            for (var i = _total - count; i < _total; i++)
            {
                result.Add(_ring[i % _ring.Length]!);
            }

            return result;
        }
    }

    /// <summary>Live deliveries from now on until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<ReceivedMessage> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ReceivedMessage>(
            new BoundedChannelOptions(settings.StreamBufferCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _streamDropped));
        lock (_gate)
        {
            _readers.Add(channel);
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var message))
                {
                    yield return message;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _readers.Remove(channel);
            }
        }
    }

    /// <summary>Live readers now.</summary>
    public int ReaderCount
    {
        get
        {
            lock (_gate)
            {
                return _readers.Count;
            }
        }
    }
}
