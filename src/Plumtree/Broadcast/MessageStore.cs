using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Plumtree.Wire;

namespace Plumtree.Broadcast;

/// <summary>
/// What an engine remembers about delivered messages: a de-duplication memory (id → hop and parent) bounded
/// by a horizon and a count, and inside it a payload cache bounded by a TTL and a count. Both are FIFOs of
/// (id, expiry) next to one dictionary, so adding, looking up and expiring are O(1) amortised and allocate
/// nothing per message. Entries are added in delivery order, and the cache bounds are at most the
/// de-duplication bounds (validated), so every cached id is also remembered for de-duplication.
/// </summary>
internal sealed class MessageStore
{
    private readonly Dictionary<MessageId, Entry> _entries = [];
    private readonly Queue<(MessageId Id, TimeSpan Expires)> _dedupFifo = new();
    private readonly Queue<(MessageId Id, TimeSpan Expires)> _cacheFifo = new();
    private readonly TimeSpan _cacheTtl;
    private readonly int _cacheMax;
    private readonly TimeSpan _dedupHorizon;
    private readonly int _dedupMax;

    public MessageStore(BroadcastOptions options)
    {
        _cacheTtl = options.CacheTtl;
        _cacheMax = options.CacheMaxEntries;
        _dedupHorizon = options.DedupHorizon;
        _dedupMax = options.DedupMaxEntries;
    }

    /// <summary>Ids remembered for de-duplication.</summary>
    public int Count => _entries.Count;

    /// <summary>Payloads cached.</summary>
    public int CacheCount => _cacheFifo.Count;

    /// <summary>The earliest time an entry expires, or null when empty.</summary>
    public TimeSpan? NextExpiry
    {
        get
        {
            TimeSpan? next = null;
            if (_cacheFifo.TryPeek(out var c))
            {
                next = c.Expires;
            }

            if (_dedupFifo.TryPeek(out var d) && (next is null || d.Expires < next.Value))
            {
                next = d.Expires;
            }

            return next;
        }
    }

    /// <summary>True when <paramref name="id"/> was delivered within the horizon.</summary>
    public bool Contains(MessageId id) => _entries.ContainsKey(id);

    /// <summary>
    /// Remembers and caches a newly delivered message. Returns false (and changes nothing) when the id is
    /// already remembered, so the caller's one lookup decides new versus duplicate.
    /// </summary>
    public bool TryAdd(MessageId id, ReadOnlyMemory<byte> payload, int hop, string? from, TimeSpan now)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, id, out var exists);
        if (exists)
        {
            return false;
        }

        slot = new Entry { Payload = payload, From = from, Hop = hop, Cached = true };
        _dedupFifo.Enqueue((id, now + _dedupHorizon));
        _cacheFifo.Enqueue((id, now + _cacheTtl));
        while (_cacheFifo.Count > _cacheMax)
        {
            Uncache(_cacheFifo.Dequeue().Id);
        }

        while (_dedupFifo.Count > _dedupMax)
        {
            _entries.Remove(_dedupFifo.Dequeue().Id);
        }

        return true;
    }

    /// <summary>The entry for <paramref name="id"/>, or a null reference (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>).</summary>
    public ref Entry Find(MessageId id) => ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);

    /// <summary>Drops payloads older than the TTL and ids older than the horizon.</summary>
    public void Expire(TimeSpan now)
    {
        while (_cacheFifo.TryPeek(out var c) && c.Expires <= now)
        {
            _cacheFifo.Dequeue();
            Uncache(c.Id);
        }

        while (_dedupFifo.TryPeek(out var d) && d.Expires <= now)
        {
            _dedupFifo.Dequeue();
            _entries.Remove(d.Id);
        }
    }

    /// <summary>Drops every cached payload; the de-duplication memory is kept.</summary>
    public void ClearPayloads()
    {
        while (_cacheFifo.TryDequeue(out var c))
        {
            Uncache(c.Id);
        }
    }

    private void Uncache(MessageId id)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);
        if (!Unsafe.IsNullRef(ref entry))
        {
            entry.Payload = default;
            entry.Cached = false;
        }
    }

    /// <summary>What is remembered about one delivered message.</summary>
    internal struct Entry
    {
        /// <summary>The payload while cached.</summary>
        public ReadOnlyMemory<byte> Payload;

        /// <summary>The peer it was first received from (its tree parent here), or null at the origin.</summary>
        public string? From;

        /// <summary>The hop at which it was delivered here (0 at the origin).</summary>
        public int Hop;

        /// <summary>True while the payload is cached.</summary>
        public bool Cached;
    }
}
