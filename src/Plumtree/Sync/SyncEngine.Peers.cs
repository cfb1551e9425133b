namespace Plumtree.Sync;

// Live peers: rounds are started only with them; a returning peer gets an immediate round.
public sealed partial class SyncEngine
{
    private readonly SortedSet<string> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SyncPeerStats> _peerStats = new(StringComparer.Ordinal);

    /// <summary>
    /// Immediate rounds queued at most. When a whole side of a healed partition comes back at once (hundreds of
    /// members), one or two rounds with it bring its messages; a round with each (measured in the simulator: ~n/2
    /// rounds and 40–110 KB per node, every node starting with the same member) only loads the network. The peers
    /// kept are a uniform random sample of those that came back (reservoir sampling), different on every node.
    /// </summary>
    public const int MaxImmediateRounds = 3;

    /// <summary>Returning peers waiting for their immediate round.</summary>
    private readonly List<string> _returning = [];

    /// <summary>Returning peers offered since the queue was last empty (the reservoir's count).</summary>
    private int _returningOffered;

    /// <summary>Peers a round may be started with (membership members that are alive), in name order.</summary>
    public IReadOnlyCollection<string> LivePeers => _live;

    /// <summary>
    /// The live peers are now exactly <paramref name="peers"/> (this node's name is skipped): the others go down
    /// (<see cref="PeerDown"/>), and each new one comes up (<see cref="PeerUp(string, long)"/>) as <em>returning</em>
    /// when this engine has seen it before (it rejoined, or a healed partition brought it back) or when it is the
    /// first peer of an engine that had none (a node that starts or was cut off alone catches up at once). New peers are taken in
    /// the order given (it decides the random sample of immediate rounds, so pass a deterministic order to be
    /// reproducible).
    /// </summary>
    /// <param name="peers">The members rounds may be started with (for the node: its broadcast view).</param>
    /// <param name="nowUnixMilliseconds">Wall-clock now.</param>
    public void SetPeers(IEnumerable<string> peers, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var ordered = peers.Where(p => !string.Equals(p, _self, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var current = new HashSet<string>(ordered, StringComparer.Ordinal);
        foreach (var gone in _live.Where(p => !current.Contains(p)).ToList())
        {
            PeerDown(gone, nowUnixMilliseconds);
        }

        foreach (var peer in ordered)
        {
            if (!_live.Contains(peer))
            {
                PeerUp(peer, nowUnixMilliseconds);
            }
        }
    }

    /// <summary>
    /// <paramref name="peer"/> is alive, and this engine decides whether it comes back: it does when this engine has
    /// seen it before (rejoined, healed partition) or when it is the first live peer of an engine that had none.
    /// See <see cref="PeerUp(string, bool, long)"/>.
    /// </summary>
    /// <param name="peer">The member.</param>
    /// <param name="nowUnixMilliseconds">Wall-clock now.</param>
    public void PeerUp(string peer, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(peer);
        PeerUp(peer, _live.Count == 0 || _peerStats.ContainsKey(peer), nowUnixMilliseconds);
    }

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
            if (_returning.Count == 0)
            {
                _returningOffered = 0;
            }

            _returningOffered++;
            if (_returning.Count < MaxImmediateRounds)
            {
                _returning.Add(peer);
            }
            else if (_random.Next(_returningOffered) is var slot && slot < MaxImmediateRounds)
            {
                _returning[slot] = peer;
            }
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
