using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Plumtree.Broadcast;

/// <summary>
/// What an engine remembers about delivered messages: a de-duplication memory (id → hop and parent) bounded
/// by a horizon and a count, and a payload cache bounded by a TTL and a count.
/// </summary>
/// <remarks>
/// The de-duplication memory is a dictionary plus a FIFO of (id, expiry). The cache is a ring of
/// (id, expiry, payload) indexed by a sequence number that the dictionary entry records, so evicting or
/// expiring a payload only advances the ring's head (no dictionary access) and a payload is found in O(1)
/// from its entry. Adding, looking up and expiring are O(1) amortised and allocate nothing per message. Entries
/// are added in delivery order and the cache bounds are at most the de-duplication bounds (validated), so
/// every cached payload's id is also remembered.
/// </remarks>
internal sealed class MessageStore
{
    private readonly Dictionary<MessageId, Entry> _entries = [];
    private readonly Queue<(MessageId Id, TimeSpan Expires)> _dedupFifo = new();
    private readonly TimeSpan _cacheTtl;
    private readonly int _cacheMax;
    private readonly TimeSpan _dedupHorizon;
    private readonly int _dedupMax;
    private CacheSlot[] _cache = new CacheSlot[16];
    private long _cacheHead; // sequence number of the oldest cached payload
    private long _cacheTail; // sequence number the next payload gets

    // The earliest expiry of the cache ring's head and the de-duplication FIFO's head (TimeSpan.MaxValue when both are
    // empty), kept in step with both heads so Expire, called on every engine input, reads one field instead of the
    // ring and the FIFO (two arrays and an object: cache misses when thousands of engines share a process).
    private TimeSpan _earliestExpiry = TimeSpan.MaxValue;

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
    public int CacheCount => (int)(_cacheTail - _cacheHead);

    /// <summary>The earliest time an entry expires, or null when empty.</summary>
    public TimeSpan? NextExpiry => _earliestExpiry == TimeSpan.MaxValue ? null : _earliestExpiry;

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

        slot = new Entry { From = from, Hop = hop, CacheSequence = _cacheTail };
        _dedupFifo.Enqueue((id, now + _dedupHorizon));
        if (_cacheTail - _cacheHead == _cache.Length)
        {
            GrowCache();
        }

        Slot(_cacheTail++) = new CacheSlot(id, now + _cacheTtl, payload);
        while (_cacheTail - _cacheHead > _cacheMax)
        {
            DropOldestPayload();
        }

        while (_dedupFifo.Count > _dedupMax)
        {
            _entries.Remove(_dedupFifo.Dequeue().Id);
        }

        UpdateEarliestExpiry();
        return true;
    }

    /// <summary>
    /// Remembers a message that failed validation: its id only (so copies are duplicates and announcements of it are
    /// not grafted), never a payload. Returns false when the id is already remembered.
    /// </summary>
    public bool TryAddRefused(MessageId id, TimeSpan now)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, id, out var exists);
        if (exists)
        {
            return false;
        }

        slot = new Entry { Hop = 0, CacheSequence = -1, Refused = true };
        _dedupFifo.Enqueue((id, now + _dedupHorizon));
        while (_dedupFifo.Count > _dedupMax)
        {
            _entries.Remove(_dedupFifo.Dequeue().Id);
        }

        UpdateEarliestExpiry();
        return true;
    }

    /// <summary>The entry for <paramref name="id"/>, or a null reference (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>).</summary>
    public ref Entry Find(MessageId id) => ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);

    /// <summary>The cached payload of a remembered message, if it is still cached.</summary>
    public bool TryGetPayload(MessageId id, in Entry entry, out ReadOnlyMemory<byte> payload)
    {
        var sequence = entry.CacheSequence;
        if (sequence >= 0 && sequence >= _cacheHead && sequence < _cacheTail)
        {
            ref var slot = ref Slot(sequence);
            if (slot.Id == id)
            {
                payload = slot.Payload;
                return true;
            }
        }

        payload = default;
        return false;
    }

    /// <summary>
    /// When a remembered message was delivered here, while its payload is cached (the cache slot's expiry less the TTL:
    /// nothing more is stored for it).
    /// </summary>
    public bool TryGetDeliveredAt(MessageId id, in Entry entry, out TimeSpan deliveredAt)
    {
        var sequence = entry.CacheSequence;
        if (sequence >= 0 && sequence >= _cacheHead && sequence < _cacheTail)
        {
            ref var slot = ref Slot(sequence);
            if (slot.Id == id)
            {
                deliveredAt = slot.Expires - _cacheTtl;
                return true;
            }
        }

        deliveredAt = default;
        return false;
    }

    /// <summary>Drops payloads older than the TTL and ids older than the horizon.</summary>
    public void Expire(TimeSpan now)
    {
        if (now < _earliestExpiry)
        {
            return; // nothing is due (the common case: one field read)
        }

        while (_cacheTail > _cacheHead && Slot(_cacheHead).Expires <= now)
        {
            DropOldestPayload();
        }

        while (_dedupFifo.TryPeek(out var d) && d.Expires <= now)
        {
            _dedupFifo.Dequeue();
            _entries.Remove(d.Id);
        }

        UpdateEarliestExpiry();
    }

    /// <summary>Drops every cached payload; the de-duplication memory is kept.</summary>
    public void ClearPayloads()
    {
        Array.Clear(_cache);
        _cacheHead = _cacheTail;
        UpdateEarliestExpiry();
    }

    /// <summary>Recomputes <see cref="_earliestExpiry"/> from the two heads (after either head moved).</summary>
    private void UpdateEarliestExpiry()
    {
        var next = TimeSpan.MaxValue;
        if (_cacheTail > _cacheHead)
        {
            next = Slot(_cacheHead).Expires;
        }

        if (_dedupFifo.TryPeek(out var d) && d.Expires < next)
        {
            next = d.Expires;
        }

        _earliestExpiry = next;
    }

    private ref CacheSlot Slot(long sequence) => ref _cache[(int)(sequence & (_cache.Length - 1))];

    private void DropOldestPayload() => Slot(_cacheHead++) = default; // release the payload to the GC

    private void GrowCache()
    {
        var grown = new CacheSlot[_cache.Length * 2];
        for (var s = _cacheHead; s < _cacheTail; s++)
        {
            grown[(int)(s & (grown.Length - 1))] = Slot(s);
        }

        _cache = grown;
    }

    /// <summary>What is remembered about one delivered message.</summary>
    internal struct Entry
    {
        /// <summary>The peer it was first received from (its tree parent here), or null at the origin.</summary>
        public string? From;

        /// <summary>The hop at which it was delivered here (0 at the origin).</summary>
        public int Hop;

        /// <summary>Where its payload sits in the cache ring (cached while the ring still holds that sequence number); -1 when never cached.</summary>
        public long CacheSequence;

        /// <summary>It failed validation: remembered for de-duplication only (no payload, no tree optimisation).</summary>
        public bool Refused;
    }

    private readonly record struct CacheSlot(MessageId Id, TimeSpan Expires, ReadOnlyMemory<byte> Payload);
}
