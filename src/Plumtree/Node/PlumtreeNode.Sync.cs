using Plumtree.Broadcast;
using Plumtree.Storage;
using Plumtree.Sync;

namespace Plumtree.Node;

// Anti-entropy wiring: the sync engine's frames in and out, its peers from the broadcast view, delivery exactly once
// through its store, write-through to the durable message store, and the operator's sync and verify commands.
public sealed partial class PlumtreeNode
{
    private PeerView? _syncView;
    private MessagePersister? _persister;
    private volatile SyncSnapshot _syncSnapshot;
    private MessageId _storedFrom;
    private long _storedJoined = -1;
    private long _deliveredAgain;
    private long _recoveredDelivered;
    private long _failuresLogged;
    private long _syncSnapshotAt;
    private readonly long _processStartUnixMilliseconds;

    // Recovered messages with later ids are re-injected into the tree: the process start, then the first join's end.
    private long _reinjectAfterUnixMilliseconds;
    private readonly Dictionary<string, List<(byte[] Body, long At)>> _syncParked = new(StringComparer.Ordinal);

    private const int SyncParkedPerPeer = 16;
    private const int SyncParkedPeers = 64;
    private const long SyncParkedMilliseconds = 5000;

    /// <summary>How often the sync status is published (it lists every peer a round ran with: not on every housekeeping tick).</summary>
    private const long SyncSnapshotIntervalMilliseconds = 1000;

    /// <summary>
    /// Anti-entropy as of the last published state: whether it runs, the messages held (and written through to the
    /// message store), the floor below which nothing is kept or fetched, the join time, the round in progress and
    /// each peer's last round.
    /// </summary>
    public SyncSnapshot SyncStatus => _syncSnapshot;

    /// <summary>The sync engine's monotonic counters (read from any thread, field by field).</summary>
    internal SyncCounters SyncCounters => _sync.Counters;

    /// <summary>Deliveries the broadcast layer made of messages already delivered (refused: exactly-once).</summary>
    internal long DeliveredAgain => Volatile.Read(ref _deliveredAgain);

    /// <summary>Messages delivered to the application: by the tree, minus those refused as already delivered, plus those recovered by sync.</summary>
    internal long MessagesDelivered => Volatile.Read(ref _broadcast.Counters.Delivered) - DeliveredAgain + Volatile.Read(ref _recoveredDelivered);

    /// <summary>Wall-clock time in Unix milliseconds: the sync engine's time, as message ids carry it.</summary>
    private long UnixNow => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Starts an anti-entropy round now (the operator's <c>sync now</c>) with <paramref name="peer"/>, or with a random
    /// live peer when it is null. Returns the peer the round runs with, or null when none could start (no live peer,
    /// an unknown peer, or sync disabled). One round runs at a time: when a round is already in progress with
    /// <paramref name="peer"/> (or <paramref name="peer"/> is null) that peer is returned; a round in progress with
    /// another peer makes this throw, naming it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not started, or a round with another peer is in progress.</exception>
    public Task<string?> SyncNowAsync(string? peer = null, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            _ =>
            {
                var now = UnixNow;
                if (peer is not null && !_sync.LivePeers.Contains(peer))
                {
                    return null;
                }

                if (_sync.ActiveRoundPeer is { } active)
                {
                    if (peer is null || string.Equals(peer, active, StringComparison.Ordinal))
                    {
                        return active;
                    }

                    throw new InvalidOperationException(
                        $"an anti-entropy round with {active} is in progress on {Name} (one round at a time, at most Sync:RoundTimeout {_options.Sync.RoundTimeout}); try again when it ends");
                }

                if (!_sync.RequestRound(peer, now))
                {
                    return null;
                }

                var snapshot = _sync.Snapshot(now);
                _syncSnapshot = snapshot;
                var started = snapshot.ActiveRoundPeer ?? peer;
                if (started is not null)
                {
                    NodeLog.SyncRequested(_logger, Name, started);
                }

                return started;
            },
            cancellationToken);

    /// <summary>
    /// Checks every row of the message store (the operator's <c>cache verify</c>): corrupt rows are removed, counted in
    /// <c>plumtree_storage_errors_total{store="messages",kind="corrupt"}</c>, and the removed rows are written again from the
    /// messages the node holds in memory, so nothing is lost while the node runs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    /// <exception cref="MessageStoreException">The store could not be read.</exception>
    public async Task<MessageStoreVerification> VerifyStoreAsync(CancellationToken cancellationToken = default)
    {
        EnsureRunning();
        MessageStoreVerification result;
        try
        {
            result = await _persister!.VerifyAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MessageStoreException e)
        {
            OnStoreFailed("read", e);
            throw;
        }

        if (result.CorruptRemoved > 0)
        {
            _metrics.RecordStorageError("corrupt", result.CorruptRemoved);
            NodeLog.StoreCorrupt(_logger, Name, result.CorruptRemoved, result.Rows);
            // Save keeps the rows that are intact and puts back the removed ones: the store is never emptied meanwhile.
            var held = await InvokeAsync(_ => _sync.Messages().ToArray(), cancellationToken).ConfigureAwait(false);
            foreach (var message in held)
            {
                _persister.Save(message);
            }

            await _persister.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Completes once every delivered message queued so far is in the message store (tests).</summary>
    internal Task FlushStoreAsync() => _persister?.FlushAsync() ?? Task.CompletedTask;

    /// <summary>
    /// A sync body in. From a member whose address this node does not know yet (a joiner answers the seed's first
    /// round before its own join reply has brought the seed's address), it is held until the address arrives, so
    /// the answer is not dropped and the round does not wait for its timeout: at most
    /// <see cref="SyncParkedPerPeer"/> bodies per peer, <see cref="SyncParkedPeers"/> peers, for
    /// <see cref="SyncParkedMilliseconds"/> (then counted as <c>sync_unknown_peer</c> drops).
    /// </summary>
    private void ReceiveSync(string from, ReadOnlyMemory<byte> body)
    {
        var now = UnixNow;
        if (_broadcastSink.HasAddress(from))
        {
            _sync.Receive(from, body.Span, now);
            return;
        }

        if (!_syncParked.TryGetValue(from, out var parked))
        {
            if (_syncParked.Count >= SyncParkedPeers)
            {
                _dropped.Increment("sync_unknown_peer");
                return;
            }

            parked = [];
            _syncParked.Add(from, parked);
        }

        if (parked.Count >= SyncParkedPerPeer)
        {
            _dropped.Increment("sync_unknown_peer");
            return;
        }

        parked.Add((body.ToArray(), now));
    }

    /// <summary>Held sync bodies go in once their sender's address is known; those held too long are dropped (counted).</summary>
    private void ReleaseParkedSync()
    {
        if (_syncParked.Count == 0)
        {
            return;
        }

        var now = UnixNow;
        foreach (var (peer, parked) in _syncParked.ToArray())
        {
            if (_broadcastSink.HasAddress(peer))
            {
                _syncParked.Remove(peer);
                foreach (var (body, _) in parked)
                {
                    _sync.Receive(peer, body, now);
                }
            }
            else if (now - parked[0].At > SyncParkedMilliseconds)
            {
                _syncParked.Remove(peer);
                _dropped.Increment("sync_unknown_peer", parked.Count);
            }
        }
    }

    /// <summary>At start: the stored messages and join time back into the engine, and the writer started.</summary>
    private void StartSync()
    {
        var now = UnixNow;
        var horizonStart = now - (long)_options.Sync.Horizon.TotalMilliseconds;
        MessageStoreLoad loaded;
        try
        {
            loaded = _store.Load(new MessageId((ulong)Math.Max(0, horizonStart) << 16, 0));
        }
        catch (MessageStoreException e)
        {
            OnStoreFailed("read", e);
            loaded = new MessageStoreLoad([], 0, null);
        }

        _sync.Load(loaded.Messages, loaded.JoinedUnixMilliseconds, now);
        if (loaded.CorruptRemoved > 0)
        {
            _metrics.RecordStorageError("corrupt", loaded.CorruptRemoved);
        }

        NodeLog.StoreLoaded(_logger, Name, loaded.Messages.Count, loaded.CorruptRemoved, DateTimeOffset.FromUnixTimeMilliseconds(_sync.JoinedUnixMilliseconds));
        _storedJoined = loaded.JoinedUnixMilliseconds ?? -1;
        _storedFrom = default;
        _persister = new MessagePersister(_store, OnStoreFailed);
        SyncHousekeeping(now);
    }

    /// <summary>A delivery from the tree: true when it is new to this node (held and persisted), false when already delivered.</summary>
    private bool AcceptDelivery(MessageId id, ReadOnlyMemory<byte> payload)
    {
        if (!_sync.Accept(id, payload, UnixNow))
        {
            Interlocked.Increment(ref _deliveredAgain);
            return false;
        }

        _persister?.Save(new StoredMessage(id, payload));
        return true;
    }

    /// <summary>A message anti-entropy obtained: delivered (once) and persisted; the engine already holds it.</summary>
    private void OnRecovered(in SyncRecovery recovery)
    {
        Interlocked.Increment(ref _recoveredDelivered);
        _persister?.Save(new StoredMessage(recovery.Id, recovery.Payload));
        _metrics.RecordDelivery(0, recovery.Payload.Length);
        NodeLog.SyncRecovered(_logger, Name, recovery.Id, recovery.From);
        PublishDelivery(new ReceivedMessage(recovery.Id, recovery.Payload, 0, recovery.From, _time.GetUtcNow(), Recovered: true));
        if (_options.Sync.Reinject && recovery.Id.UnixMilliseconds > _reinjectAfterUnixMilliseconds)
        {
            // Into the tree again with its original id: the others get it from the tree, not each from a round. Only
            // what was broadcast while this node ran and after it first joined (a partition cut it off, and its side
            // likely lacks it too): the history a restarted node or a late joiner fetches is held by the others
            // already, and pushing it would hand a joiner with a shorter join window history it must not get (a
            // message minted in the millisecond a joiner started was re-injected so, once in ~15 runs of the
            // late-joiner test).
            _broadcast.Reinject(recovery.Id, recovery.Payload, Now, UnixNow);
        }
    }

    /// <summary>Sync peers follow the broadcast view; a member seen before (or the first peer of a lone node) comes back with an immediate round.</summary>
    private void UpdateSyncPeers()
    {
        ReleaseParkedSync();
        var view = _broadcast.View;
        var refuted = _effects.TakeRefuted();
        if (ReferenceEquals(view, _syncView) && refuted.Count == 0)
        {
            return;
        }

        var now = UnixNow;
        if (!ReferenceEquals(view, _syncView))
        {
            // The engine decides who comes back (seen before, or a lone node's first peer): an immediate round.
            _syncView = view;
            _sync.SetPeers(view.Ring.ToArray(), now);
        }

        foreach (var peer in refuted)
        {
            if (_sync.LivePeers.Contains(peer))
            {
                _sync.PeerUp(peer, returning: true, now);
            }
        }
    }

    /// <summary>Retention and the join time mirrored to the store, the status snapshot, failed rounds logged.</summary>
    private void SyncHousekeeping(long now)
    {
        if (_persister is { } persister)
        {
            if (_sync.RetainedFrom > _storedFrom)
            {
                _storedFrom = _sync.RetainedFrom;
                persister.RemoveBefore(_storedFrom);
            }

            if (_sync.JoinedUnixMilliseconds != _storedJoined)
            {
                _storedJoined = _sync.JoinedUnixMilliseconds;
                persister.SetJoined(_storedJoined);
            }
        }

        if (now >= _syncSnapshotAt && now - _syncSnapshotAt < SyncSnapshotIntervalMilliseconds)
        {
            return;
        }

        _syncSnapshotAt = now;
        var snapshot = _sync.Snapshot(now);
        _syncSnapshot = snapshot;
        long failures = 0;
        foreach (var (_, count) in _sync.Counters.Failures)
        {
            failures += count;
        }

        if (failures > _failuresLogged)
        {
            _failuresLogged = failures;
            var last = snapshot.Peers.Where(p => p.LastResult is not null and not "ok").MaxBy(p => p.LastRoundUnixMilliseconds ?? 0);
            if (last is not null)
            {
                NodeLog.SyncRoundFailed(_logger, Name, last.Name, last.LastResult!);
            }
        }
    }

    private void OnStoreFailed(string operation, Exception e)
    {
        _metrics.RecordStorageError(operation, 1);
        NodeLog.StoreFailed(_logger, Name, operation, e);
    }
}
