namespace Plumtree.Storage;

/// <summary>
/// Known peers, kept so that a restarted node can rejoin the cluster when its configured seeds are down. The host
/// records the alive members now and then (<see cref="RecordAsync"/>) and, at start, asks for the most recently seen
/// ones (<see cref="GetRecentAsync"/>) when no seed answers. <see cref="InMemoryPeerStore"/> is the default; the agent
/// keeps them in SQLite in its data directory (<c>Plumtree.Storage.Sqlite</c>).
/// </summary>
/// <remarks>Implementations are safe to call from several threads and bound how many peers they keep.</remarks>
public interface IPeerStore
{
    /// <summary>Adds or updates peers by name (the address and last-seen time of a known name are replaced, never moved back in time).</summary>
    /// <param name="peers">Peers seen alive.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="PeerStoreException">The store could not be written.</exception>
    ValueTask RecordAsync(IReadOnlyCollection<KnownPeer> peers, CancellationToken cancellationToken);

    /// <summary>At most <paramref name="limit"/> peers, most recently seen first (ties by name).</summary>
    /// <param name="limit">How many to return at most (not negative).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="PeerStoreException">The store could not be read.</exception>
    ValueTask<IReadOnlyList<KnownPeer>> GetRecentAsync(int limit, CancellationToken cancellationToken);
}
