using Plumtree.Storage;

namespace Plumtree.Agent.Storage;

/// <summary>
/// The agent's message store, opened on a thread-pool thread from the moment the host creates it, so that SQLite's
/// file creation and checks (tens of milliseconds, mostly waiting on the disk) overlap the rest of the start-up.
/// Every call waits for the open to finish; the node's first call is the load at its start, so nothing changes in
/// what the node sees or when it counts as started.
/// </summary>
internal sealed class DeferredMessageStore(Func<IMessageStore> open) : IMessageStore
{
    private readonly Task<IMessageStore> _store = Task.Run(open);

    private IMessageStore Store => _store.GetAwaiter().GetResult();

    public MessageStoreLoad Load(MessageId from) => Store.Load(from);

    public void Save(IReadOnlyList<StoredMessage> messages) => Store.Save(messages);

    public void RemoveBefore(MessageId bound) => Store.RemoveBefore(bound);

    public void Remove(IReadOnlyList<MessageId> ids) => Store.Remove(ids);

    public void Clear() => Store.Clear();

    public void SetJoined(long unixMilliseconds) => Store.SetJoined(unixMilliseconds);

    public MessageStoreVerification Verify() => Store.Verify();

    public void Dispose()
    {
        // A store that failed to open has nothing to dispose (the failure surfaced at its first call).
        ((IAsyncResult)_store).AsyncWaitHandle.WaitOne();
        if (_store.IsCompletedSuccessfully)
        {
            _store.Result.Dispose();
        }
    }
}

/// <summary>
/// The agent's peer store, opened on a thread-pool thread from the moment the host creates it: the node starts and
/// the admin API listens without waiting for it. Every call waits for the open to finish (the first one is the
/// known-peers fallback of a join round, or the recorder's first write).
/// </summary>
internal sealed class DeferredPeerStore(Func<IPeerStore> open) : IPeerStore, IDisposable
{
    private readonly Task<IPeerStore> _store = Task.Run(open);

    public async ValueTask RecordAsync(IReadOnlyCollection<KnownPeer> peers, CancellationToken cancellationToken)
    {
        var store = await _store.WaitAsync(cancellationToken).ConfigureAwait(false);
        await store.RecordAsync(peers, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<KnownPeer>> GetRecentAsync(int limit, CancellationToken cancellationToken)
    {
        var store = await _store.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await store.GetRecentAsync(limit, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        // A store that failed to open has nothing to dispose (the failure surfaced at its first call).
        ((IAsyncResult)_store).AsyncWaitHandle.WaitOne();
        if (_store.IsCompletedSuccessfully && _store.Result is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
