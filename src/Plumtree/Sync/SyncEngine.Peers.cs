namespace Plumtree.Sync;

// Live peers: rounds are started only with them; a returning peer gets an immediate round.
public sealed partial class SyncEngine
{
    private readonly SortedSet<string> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SyncPeerStats> _peerStats = new(StringComparer.Ordinal);

    /// <summary>Returning peers waiting for their immediate round, oldest first.</summary>
    private readonly List<string> _returning = [];

    /// <summary>Peers a round may be started with (membership members that are alive), in name order.</summary>
    public IReadOnlyCollection<string> LivePeers => _live;

    /// <summary>
    /// <paramref name="peer"/> is alive. <paramref name="returning"/>: it came back (rejoined, healed partition,
    /// refuted suspicion), so it may hold messages this node missed: an immediate round with it is scheduled
    /// (<see cref="NextTickAt"/> becomes now).
    /// </summary>
    public void PeerUp(string peer, bool returning, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(peer);
        Observe(nowUnixMilliseconds);
        if (string.Equals(peer, _self, StringComparison.Ordinal))
        {
            return;
        }

        _live.Add(peer);
        PeerStats(peer);
        if (returning && _options.Enabled && !_returning.Contains(peer, StringComparer.Ordinal))
        {
            _returning.Add(peer);
        }
    }

    /// <summary><paramref name="peer"/> is gone (left, dead, removed): a round in progress with it fails with <c>peer_lost</c>.</summary>
    public void PeerDown(string peer, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(peer);
        Observe(nowUnixMilliseconds);
        _live.Remove(peer);
        _returning.RemoveAll(p => string.Equals(p, peer, StringComparison.Ordinal));
        if (_active is { } round && string.Equals(round.Peer, peer, StringComparison.Ordinal))
        {
            FailRound(SyncFailure.PeerLost, nowUnixMilliseconds);
        }
    }

    private SyncPeerStats PeerStats(string peer)
    {
        if (!_peerStats.TryGetValue(peer, out var stats))
        {
            stats = new SyncPeerStats(peer);
            _peerStats.Add(peer, stats);
        }

        return stats;
    }

    private string? RandomLivePeer() => _live.Count == 0 ? null : _live.ElementAt(_random.Next(_live.Count));
}
