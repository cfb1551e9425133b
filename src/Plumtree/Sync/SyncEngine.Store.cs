using Plumtree.Storage;

namespace Plumtree.Sync;

// The message store: ids in a SortedSyncItemSet (what reconciliation reads), payloads by id, and retention.
public sealed partial class SyncEngine
{
    private readonly Dictionary<MessageId, ReadOnlyMemory<byte>> _payloads = [];
    private SortedSyncItemSet _ids = new();
    private long _bytes;

    /// <summary>Messages held.</summary>
    public int Count => _ids.Count;

    /// <summary>Payload bytes held.</summary>
    public long Bytes => _bytes;

    /// <summary>
    /// Ids below this have been dropped (by the horizon, the join window or the byte bound) and are never stored again;
    /// the node mirrors it to its durable store (<c>RemoveBefore</c>). <see cref="MessageId.Empty"/> until something is dropped.
    /// </summary>
    public MessageId RetainedFrom { get; private set; }

    /// <summary>When this node first joined: the persisted value passed to <see cref="Load"/>, else the epoch.</summary>
    public long JoinedUnixMilliseconds { get; private set; }

    /// <summary>
    /// The floor at <paramref name="nowUnixMilliseconds"/>: max(now − Horizon, joined − JoinWindow). Older messages are
    /// neither kept nor reconciled, so a node that joined recently catches up only the join window.
    /// </summary>
    public long FloorUnixMilliseconds(long nowUnixMilliseconds) =>
        Math.Max(0, Math.Max(
            nowUnixMilliseconds - (long)_options.Horizon.TotalMilliseconds,
            JoinedUnixMilliseconds - (long)_options.JoinWindow.TotalMilliseconds));

    /// <summary>
    /// Loads the messages of the durable store at start (any order; duplicates collapse) and the persisted joined time
    /// (<see langword="null"/> on first start: the epoch becomes the joined time), then applies retention.
    /// </summary>
    public void Load(IReadOnlyList<StoredMessage> messages, long? joinedUnixMilliseconds, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Observe(nowUnixMilliseconds);
        JoinedUnixMilliseconds = joinedUnixMilliseconds ?? _epoch;
        foreach (var message in messages)
        {
            if (!message.Id.IsEmpty && message.Id >= RetainedFrom && _payloads.TryAdd(message.Id, message.Payload))
            {
                _bytes += message.Payload.Length;
            }
        }

        _ids = new SortedSyncItemSet(_payloads.Keys);
        ApplyRetention(nowUnixMilliseconds);
    }

    /// <summary>
    /// A message the broadcast layer delivered. Returns false only when it is already held (the node must then not
    /// deliver it again). A message older than the retained floor returns true but is not stored (it is past the
    /// horizon or join window: sync neither keeps nor reconciles it).
    /// </summary>
    public bool Accept(MessageId id, ReadOnlyMemory<byte> payload, long nowUnixMilliseconds)
    {
        Observe(nowUnixMilliseconds);
        if (_payloads.ContainsKey(id))
        {
            return false;
        }

        if (!IsBelowFloor(id, nowUnixMilliseconds))
        {
            Store(id, payload);
            ApplyRetention(nowUnixMilliseconds);
        }

        return true;
    }

    /// <summary>True when the message is held.</summary>
    public bool Contains(MessageId id) => _payloads.ContainsKey(id);

    /// <summary>
    /// A message the node refused on another path (the broadcast tree's copy failed the validator): remembered as a
    /// refused id, so rounds do not fetch it and the validator is not asked again. Returns false when it is held,
    /// already remembered or older than the retained floor (rounds never fetch those).
    /// </summary>
    /// <param name="id">The refused message's id.</param>
    /// <param name="nowUnixMilliseconds">Wall-clock now.</param>
    public bool Refuse(MessageId id, long nowUnixMilliseconds)
    {
        Observe(nowUnixMilliseconds);
        if (id.IsEmpty || _payloads.ContainsKey(id) || IsBelowFloor(id, nowUnixMilliseconds))
        {
            return false;
        }

        return RememberRefused(id);
    }

    private bool RememberRefused(MessageId id)
    {
        if (_refused.Contains(id))
        {
            return false;
        }

        if (_refused.Count >= MaxRefused)
        {
            _refused.Remove(_refused.Min);
        }

        return _refused.Add(id);
    }

    /// <summary>The payload of a held message.</summary>
    public bool TryGetPayload(MessageId id, out ReadOnlyMemory<byte> payload) => _payloads.TryGetValue(id, out payload);

    /// <summary>Every held message in ascending id (time) order.</summary>
    public IEnumerable<StoredMessage> Messages()
    {
        for (var i = 0; i < _ids.Count; i++)
        {
            var id = _ids[i];
            yield return new StoredMessage(id, _payloads[id]);
        }
    }

    /// <summary>The floor this node serves from: the time floor, or later when the byte bound dropped newer messages.</summary>
    private long RetainedFloorMilliseconds(long now)
    {
        var retained = RetainedFrom.UnixMilliseconds + (RetainedFrom == BoundAt(RetainedFrom.UnixMilliseconds) ? 0 : 1);
        return Math.Max(FloorUnixMilliseconds(now), retained);
    }

    private bool IsBelowFloor(MessageId id, long now) => id < RetainedFrom || id.UnixMilliseconds < FloorUnixMilliseconds(now);

    private void Store(MessageId id, ReadOnlyMemory<byte> payload)
    {
        _ids.Add(id);
        _payloads[id] = payload;
        _bytes += payload.Length;
    }

    /// <summary>Drops messages below the floor, then the oldest while over the byte bound; advances <see cref="RetainedFrom"/>.</summary>
    private void ApplyRetention(long now)
    {
        var bound = BoundAt(FloorUnixMilliseconds(now));
        if (bound > RetainedFrom)
        {
            DropBefore(bound);
        }

        while (_bytes > _options.MaxStoreBytes && _ids.Count > 0)
        {
            DropBefore(Successor(_ids[0]));
        }
    }

    private void DropBefore(MessageId bound)
    {
        var count = _ids.LowerBound(SyncKey.Of(bound));
        for (var i = 0; i < count; i++)
        {
            if (_payloads.Remove(_ids[i], out var payload))
            {
                _bytes -= payload.Length;
            }
        }

        _ids.RemoveBefore(bound);
        RetainedFrom = bound;
        while (_refused.Count > 0 && _refused.Min < bound)
        {
            _refused.Remove(_refused.Min);
        }
    }

    /// <summary>The time of the next drop by the horizon, if anything is held.</summary>
    private long? NextExpiry() =>
        _ids.Count == 0 ? null : _ids[0].UnixMilliseconds + (long)_options.Horizon.TotalMilliseconds + 1;

    /// <summary>The smallest id minted at <paramref name="unixMilliseconds"/>.</summary>
    private static MessageId BoundAt(long unixMilliseconds) => SyncKey.ToId(SyncKey.AtMilliseconds(unixMilliseconds));

    private static MessageId Successor(MessageId id) => SyncKey.ToId(SyncKey.Of(id) + 1);
}
