namespace Plumtree.Storage;

/// <summary>The default <see cref="IPeerStore"/>: known peers in memory, lost when the process ends.</summary>
public sealed class InMemoryPeerStore : IPeerStore
{
    /// <summary>Peers kept by default: the most recently seen win.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Dictionary<string, KnownPeer> _peers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _capacity;

    /// <summary>Creates an empty store.</summary>
    /// <param name="capacity">Most peers kept (positive); beyond it the least recently seen are forgotten.</param>
    public InMemoryPeerStore(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
    }

    /// <inheritdoc />
    public ValueTask RecordAsync(IReadOnlyCollection<KnownPeer> peers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peers);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (var peer in peers)
            {
                if (!_peers.TryGetValue(peer.Name, out var known) || known.LastSeen <= peer.LastSeen)
                {
                    _peers[peer.Name] = peer;
                }
            }

            if (_peers.Count > _capacity)
            {
                foreach (var stale in PeerOrder.MostRecentFirst(_peers.Values).Skip(_capacity).ToList())
                {
                    _peers.Remove(stale.Name);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<KnownPeer>> GetRecentAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<KnownPeer> recent = PeerOrder.MostRecentFirst(_peers.Values).Take(limit).ToList();
            return ValueTask.FromResult(recent);
        }
    }
}
