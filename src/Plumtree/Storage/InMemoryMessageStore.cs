namespace Plumtree.Storage;

/// <summary>
/// The default <see cref="IMessageStore"/>: messages in a map sorted by id, lost when the process ends. Nothing can
/// corrupt a row here, so <see cref="MessageStoreLoad.CorruptRemoved"/> and
/// <see cref="MessageStoreVerification.CorruptRemoved"/> are always 0.
/// </summary>
/// <remarks>Calls are expected from one thread at a time; they are serialised anyway. Payloads are copied on save.</remarks>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly SortedDictionary<MessageId, byte[]> _messages = [];
    private readonly Lock _gate = new();
    private long _bytes;
    private long? _joined;
    private bool _disposed;

    /// <summary>Messages stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Payload bytes stored.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <inheritdoc />
    public MessageStoreLoad Load(MessageId from)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RemoveBeforeLocked(from);
            var messages = new List<StoredMessage>(_messages.Count);
            foreach (var (id, payload) in _messages)
            {
                messages.Add(new StoredMessage(id, payload));
            }

            return new MessageStoreLoad(messages, 0, _joined);
        }
    }

    /// <inheritdoc />
    public void Save(IReadOnlyList<StoredMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var message in messages)
            {
                if (_messages.TryAdd(message.Id, message.Payload.ToArray()))
                {
                    _bytes += message.Payload.Length;
                }
            }
        }
    }

    /// <inheritdoc />
    public void RemoveBefore(MessageId bound)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RemoveBeforeLocked(bound);
        }
    }

    /// <inheritdoc />
    public void Remove(IReadOnlyList<MessageId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var id in ids)
            {
                if (_messages.Remove(id, out var payload))
                {
                    _bytes -= payload.Length;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Clear()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _messages.Clear();
            _bytes = 0;
        }
    }

    /// <inheritdoc />
    /// <remarks>The last value recorded wins.</remarks>
    public void SetJoined(long unixMilliseconds)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _joined = unixMilliseconds;
        }
    }

    /// <inheritdoc />
    public MessageStoreVerification Verify()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new MessageStoreVerification(_messages.Count, _messages.Count, 0, _bytes, $"in memory: {_messages.Count} messages, {_bytes} bytes (nothing to check)");
        }
    }

    /// <summary>Drops every message.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _messages.Clear();
            _bytes = 0;
        }
    }

    private void RemoveBeforeLocked(MessageId bound)
    {
        List<MessageId>? older = null;
        foreach (var id in _messages.Keys)
        {
            if (id >= bound)
            {
                break;
            }

            (older ??= []).Add(id);
        }

        if (older is null)
        {
            return;
        }

        foreach (var id in older)
        {
            _messages.Remove(id, out var payload);
            _bytes -= payload!.Length;
        }
    }
}
