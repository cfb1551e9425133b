namespace Plumtree.Broadcast;

// The shared tree (BroadcastOptions.SharedTree, docs/broadcast.md "Shared tree"): distance vector toward a few candidate
// roots over the measured link latencies; the eager links are the shortest-path tree of the candidate with the smallest
// eccentricity, which every node learns from the same adverts. Tree frames carry the vector and a timestamp echo that
// measures each link's round trip, so nothing but the frames this engine exchanges is needed.
public sealed partial class BroadcastEngine
{
    /// <summary>A distance no path has (unreachable).</summary>
    private const long Unreachable = long.MaxValue;

    /// <summary>Distances above this (one minute, in microseconds) count as unreachable: a routing loop counting up stops here.</summary>
    private const long MaxTreeDistance = 60_000_000;

    /// <summary>Candidates within 1/RootMarginDivisor (2 %) plus the hysteresis of the best score count as equal.</summary>
    private const long RootMarginDivisor = 50;

    /// <summary>The least gap between two adverts.</summary>
    private static readonly TimeSpan MinAdvertGap = TimeSpan.FromMilliseconds(10);

    private string[] _treeRoots = [];
    private long[] _treeDistance = [];
    private PeerState?[] _treeParent = [];
    private long[] _treeSubtree = [];
    private long[] _treeEccentricity = [];
    private long[] _treeSum = [];
    private long[] _treeCount = [];
    private long[] _treeMean = [];

    /// <summary>What the last advert said (<see cref="SentFields"/> values per root), to tell a change worth a triggered advert.</summary>
    private long[] _treeSent = [];

    /// <summary>Values per root in <see cref="_treeSent"/>: distance, subtree, eccentricity, sum, count, mean.</summary>
    private const int SentFields = 6;
    private PeerState?[] _treeSentParent = [];
    private int _treeChosen = -1;
    private bool _treeActive;
    private PeerState? _treeChosenParent;
    private readonly HashSet<string> _treeLinks = new(StringComparer.Ordinal);
    private bool _treeStale;
    private TimeSpan _treeNow;
    private TimeSpan? _treeAdvertAt;
    private int _treeAdvertStamp;
    private TimeSpan? _treeLastAdvert;

    /// <summary>The root in force (<see cref="BroadcastOptions.SharedTree"/>), or null while none is known.</summary>
    public string? SharedTreeRoot => _treeChosen >= 0 ? _treeRoots[_treeChosen] : null;

    /// <summary>This node's parent toward <see cref="SharedTreeRoot"/>, or null (none yet, or this node is the root).</summary>
    public string? SharedTreeParent => _treeChosen >= 0 ? _treeParent[_treeChosen]?.Name : null;

    /// <summary>True while the shared tree decides the eager peers (a root is agreed and this node has a parent or is it).</summary>
    public bool SharedTreeActive => _treeActive;

    /// <summary>The candidate roots in force, lowest ring hash first.</summary>
    internal IReadOnlyList<string> SharedTreeCandidates => _treeRoots;

    /// <summary>This node's distance to <paramref name="root"/> (a candidate) by the shared tree's vector, or null.</summary>
    internal TimeSpan? SharedTreeDistance(string root)
    {
        var i = Array.IndexOf(_treeRoots, root);
        return i < 0 || _treeDistance[i] == Unreachable ? null : TimeSpan.FromTicks(_treeDistance[i] * 10);
    }

    /// <summary>The root eccentricity this node knows for candidate <paramref name="root"/>, or null.</summary>
    internal TimeSpan? SharedTreeEccentricity(string root)
    {
        var i = Array.IndexOf(_treeRoots, root);
        return i < 0 || _treeEccentricity[i] == Unreachable ? null : TimeSpan.FromTicks(_treeEccentricity[i] * 10);
    }

    private static long Micros(TimeSpan t) => t.Ticks / 10;

    /// <summary>True when <paramref name="peer"/> is a link of the shared tree in force (its duplicates and Prunes do not make it lazy).</summary>
    private bool IsTreeLink(PeerState peer) => _treeActive && peer.IsTreeLink;

    /// <summary>A new view: the candidate roots are the members (self included) with the lowest ring hashes.</summary>
    private void UpdateTreeRoots(TimeSpan now)
    {
        if (!_options.SharedTree)
        {
            return;
        }

        var k = _options.SharedTreeRoots;
        var candidates = new List<(ulong Hash, string Name)>(k + 1) { (PeerView.RingHash(_self), _self) };
        var ring = _view.Ring;
        for (var i = 0; i < ring.Length && candidates.Count <= k; i++)
        {
            if (!string.Equals(ring[i], _self, StringComparison.Ordinal))
            {
                candidates.Add((PeerView.RingHash(ring[i]), ring[i]));
            }
        }

        candidates.Sort(static (a, b) =>
        {
            var c = a.Hash.CompareTo(b.Hash);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        var roots = new string[Math.Min(k, candidates.Count)];
        for (var i = 0; i < roots.Length; i++)
        {
            roots[i] = candidates[i].Name;
        }

        if (roots.AsSpan().SequenceEqual(_treeRoots))
        {
            return;
        }

        var distance = new long[roots.Length];
        var parent = new PeerState?[roots.Length];
        var sent = new long[roots.Length * SentFields];
        var sentParent = new PeerState?[roots.Length];
        Array.Fill(distance, Unreachable);
        Array.Fill(sent, Unreachable);
        for (var i = 0; i < roots.Length; i++)
        {
            var old = Array.IndexOf(_treeRoots, roots[i]);
            if (old >= 0)
            {
                distance[i] = _treeDistance[old];
                parent[i] = _treeParent[old];
                Array.Copy(_treeSent, SentFields * old, sent, SentFields * i, SentFields);
                sentParent[i] = _treeSentParent[old];
            }
        }

        _treeRoots = roots;
        _treeDistance = distance;
        _treeParent = parent;
        _treeSent = sent;
        _treeSentParent = sentParent;
        _treeSubtree = new long[roots.Length];
        _treeEccentricity = new long[roots.Length];
        _treeSum = new long[roots.Length];
        _treeCount = new long[roots.Length];
        _treeMean = new long[roots.Length];
        _treeStale = true;
        _treeNow = now;
        ScheduleAdvert(now);
    }

    /// <summary>The cost of reaching candidate <paramref name="root"/> through <paramref name="peer"/> in microseconds, or <see cref="Unreachable"/>.</summary>
    private static long CostVia(PeerState peer, string root)
    {
        if (peer.TreeRtt < 0 || peer.TreeRoutes is not { } routes)
        {
            return Unreachable;
        }

        foreach (var route in routes)
        {
            if (string.Equals(route.Root, root, StringComparison.Ordinal))
            {
                // A peer whose parent we are would route through us (poisoned reverse).
                return route.ParentIsYou || route.Distance is not { } d ? Unreachable : d + (peer.TreeRtt / 2);
            }
        }

        return Unreachable;
    }

    private static SharedTreeRoute? RouteOf(PeerState peer, string root)
    {
        if (peer.TreeRoutes is { } routes)
        {
            foreach (var route in routes)
            {
                if (string.Equals(route.Root, root, StringComparison.Ordinal))
                {
                    return route;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Recomputes the vector from the peers' last adverts: per candidate root the parent (the peer minimising link
    /// latency + its distance, the current one kept within the hysteresis), the distance, the subtree's largest distance
    /// and the root's eccentricity; then the root in force and the tree links, and schedules an advert when a value
    /// moved by the hysteresis or a parent changed.
    /// </summary>
    private void RecomputeTree(TimeSpan now)
    {
        _treeStale = false;
        if (!_options.SharedTree || _treeRoots.Length == 0)
        {
            return;
        }

        var hysteresis = Micros(_options.SharedTreeHysteresis);
        var trigger = false;
        for (var i = 0; i < _treeRoots.Length; i++)
        {
            var root = _treeRoots[i];
            PeerState? parent = null;
            long distance;
            if (string.Equals(root, _self, StringComparison.Ordinal))
            {
                distance = 0;
            }
            else
            {
                var bestCost = Unreachable;
                PeerState? best = null;
                var currentCost = Unreachable;
                var current = _treeParent[i];
                foreach (var peer in _peers.Values)
                {
                    var cost = CostVia(peer, root);
                    if (ReferenceEquals(peer, current))
                    {
                        currentCost = cost;
                    }

                    if (cost < bestCost || (cost == bestCost && cost != Unreachable && string.CompareOrdinal(peer.Name, best!.Name) < 0))
                    {
                        bestCost = cost;
                        best = peer;
                    }
                }

                parent = current is { Active: true } && currentCost != Unreachable && currentCost - hysteresis <= bestCost ? current : best;
                distance = parent is null ? Unreachable : (ReferenceEquals(parent, current) ? currentCost : bestCost);
                if (distance > MaxTreeDistance)
                {
                    distance = Unreachable;
                    parent = null;
                }
            }

            // Up the tree: the subtree's largest distance, the sum of its distances and its size (from the children's adverts).
            var subtree = distance;
            var sum = distance;
            var count = 1L;
            if (distance != Unreachable)
            {
                foreach (var peer in _peers.Values)
                {
                    if (RouteOf(peer, root) is { ParentIsYou: true } child && child.Subtree is { } s && s <= MaxTreeDistance)
                    {
                        subtree = Math.Max(subtree, s);
                        if (child is { SubtreeSum: { } childSum, SubtreeCount: { } childCount })
                        {
                            sum = childSum > long.MaxValue / 2 - sum ? sum : sum + childSum;
                            count += childCount;
                        }
                    }
                }
            }
            else
            {
                sum = count = Unreachable;
            }

            // Down the tree: the root's eccentricity and mean distance, as the root computed them.
            var parentRoute = parent is null ? null : RouteOf(parent, root);
            var eccentricity = distance == Unreachable ? Unreachable
                : parent is null ? subtree
                : parentRoute?.Eccentricity ?? Unreachable;
            var mean = distance == Unreachable ? Unreachable
                : parent is null ? sum / count
                : parentRoute?.Mean ?? Unreachable;
            _treeDistance[i] = distance;
            _treeParent[i] = parent;
            _treeSubtree[i] = subtree;
            _treeEccentricity[i] = eccentricity;
            _treeSum[i] = sum;
            _treeCount[i] = count;
            _treeMean[i] = mean;
            var at = SentFields * i;
            trigger |= !ReferenceEquals(parent, _treeSentParent[i])
                || Moved(_treeSent[at], distance, hysteresis)
                || Moved(_treeSent[at + 1], subtree, hysteresis)
                || Moved(_treeSent[at + 2], eccentricity, hysteresis)
                || Moved(_treeSent[at + 3], sum, hysteresis * Math.Max(1, count))
                || _treeSent[at + 4] != count
                || Moved(_treeSent[at + 5], mean, hysteresis);
        }

        ChooseTreeRoot();
        if (trigger)
        {
            ScheduleAdvert(now);
        }
    }

    private static bool Moved(long sent, long value, long hysteresis) =>
        (sent == Unreachable) != (value == Unreachable) || (value != Unreachable && Math.Abs(value - sent) >= Math.Max(1, hysteresis));

    /// <summary>Candidate <paramref name="i"/>'s eccentricity + mean distance, or <see cref="Unreachable"/> while a part is unknown.</summary>
    private long RootScore(int i) =>
        _treeEccentricity[i] == Unreachable || _treeMean[i] == Unreachable || _treeDistance[i] == Unreachable
            ? Unreachable
            : _treeEccentricity[i] + _treeMean[i];

    /// <summary>
    /// The root in force: the lowest ring hash among the candidates whose eccentricity + mean distance (over its
    /// shortest-path tree, for an origin at the mean distance a message needs about that long to reach the farthest node)
    /// is within 2 % + the hysteresis of the smallest; the values are the root's own, passed down its tree, so every node
    /// compares the same numbers and the nodes agree. Then the tree links:
    /// the parent and the children (peers naming this node as their parent) toward it, eager; every other peer lazy.
    /// </summary>
    private void ChooseTreeRoot()
    {
        // The best score, then the lowest ring hash among the candidates within the margin of it: on links of equal
        // latency (a LAN) the scores differ only by jitter, and picking the exact minimum flipped the root with the
        // periodic adverts, at different moments on different nodes.
        var best = Unreachable;
        for (var i = 0; i < _treeRoots.Length; i++)
        {
            best = Math.Min(best, RootScore(i));
        }

        var chosen = -1;
        if (best != Unreachable)
        {
            var limit = best + (best / RootMarginDivisor) + Micros(_options.SharedTreeHysteresis);
            for (var i = 0; i < _treeRoots.Length && chosen < 0; i++)
            {
                if (RootScore(i) <= limit)
                {
                    chosen = i;
                }
            }
        }

        var parent = chosen >= 0 ? _treeParent[chosen] : null;
        if (chosen != _treeChosen || !ReferenceEquals(parent, _treeChosenParent))
        {
            _counters.TreeParentChanges++;
        }

        _treeChosen = chosen;
        _treeChosenParent = parent;
        var active = chosen >= 0 && (parent is not null || string.Equals(_treeRoots[chosen], _self, StringComparison.Ordinal));
        var changed = active != _treeActive;
        _treeActive = active;
        var links = 0;
        foreach (var peer in _peers.Values)
        {
            var link = active && (ReferenceEquals(peer, parent) || RouteOf(peer, _treeRoots[chosen]) is { ParentIsYou: true });
            if (link)
            {
                links++;
                changed |= !_treeLinks.Contains(peer.Name);
            }

            peer.IsTreeLink = link;
        }

        changed |= links != _treeLinks.Count;
        if (!active)
        {
            _treeLinks.Clear();
            return; // no tree yet (or lost the way to the root): the classic rules keep the eager links as they are
        }

        // Roles follow the tree, checked on every recompute. A link that stops being a tree link is made lazy without a
        // frame (both ends learn it from the same advert); any other eager link outside the tree (made eager by a
        // repair Graft, or by a first copy from a peer that still pushed to us) is made lazy and sent Prune, so the
        // other end stops pushing: over real sockets such links otherwise outlived every tree change.
        List<(PeerState Peer, bool Prune)>? demote = null;
        foreach (var peer in _eager)
        {
            if (!peer.IsTreeLink && !IsProtected(peer))
            {
                (demote ??= []).Add((peer, !_treeLinks.Contains(peer.Name)));
            }
        }

        if (changed)
        {
            _treeLinks.Clear();
            foreach (var peer in _peers.Values)
            {
                if (peer.IsTreeLink)
                {
                    _treeLinks.Add(peer.Name);
                }
            }
        }

        foreach (var peer in _peers.Values)
        {
            if (peer.IsTreeLink && !peer.IsEager)
            {
                MoveToEager(peer);
            }
        }

        if (demote is not null)
        {
            foreach (var (peer, prune) in demote)
            {
                MoveToLazy(peer);
                if (prune)
                {
                    SendPrune(peer.Name);
                }
            }
        }
    }

    /// <summary>A Tree frame: the peer's vector and a round-trip sample from its echo of our stamp.</summary>
    private void OnTree(PeerState? peer, in PlumtreeFrame frame, TimeSpan now)
    {
        if (!_options.SharedTree || peer is null)
        {
            return; // the rule is off here, or the sender is no peer of ours: nothing to learn
        }

        var advert = SharedTreeAdvert.TryDecode(frame.Payload.Span);
        if (advert is null || advert.Stamp == 0)
        {
            _counters.Malformed++;
            return;
        }

        if (advert.Echo != 0)
        {
            var rtt = Micros(now) + 1 - advert.Echo - advert.Hold;
            if (rtt >= 0)
            {
                peer.TreeRtt = peer.TreeRtt < 0 ? rtt : peer.TreeRtt + ((rtt - peer.TreeRtt) / 4);
            }
        }

        peer.TreeEchoStamp = advert.Stamp;
        peer.TreeEchoAt = now;
        peer.TreeRoutes = advert.Routes;
        if (advert.WantEcho)
        {
            ScheduleAdvert(now);
        }

        RecomputeTree(now);
    }

    /// <summary>Schedules the next advert to every peer as soon as the gap since the last one allows.</summary>
    private void ScheduleAdvert(TimeSpan now)
    {
        var gap = _options.SharedTreeInterval / 64;
        if (gap < MinAdvertGap)
        {
            gap = MinAdvertGap;
        }

        var at = _treeLastAdvert is { } last && last + gap > now ? last + gap : now;
        if (_treeAdvertAt is { } scheduled && scheduled <= at)
        {
            return;
        }

        _treeAdvertAt = at;
        _timers.Enqueue(new Timer(TimerKind.TreeAdvert, default, null, ++_treeAdvertStamp), at);
    }

    /// <summary>The advert timer: a Tree frame to every peer, then the next periodic one.</summary>
    private void SendAdverts(TimeSpan now)
    {
        _treeAdvertAt = null;
        if (_treeStale)
        {
            RecomputeTree(now);
        }

        var stamp = Micros(now) + 1;
        var routes = new SharedTreeRoute[_treeRoots.Length];
        foreach (var peer in _peers.Values)
        {
            for (var i = 0; i < routes.Length; i++)
            {
                routes[i] = new SharedTreeRoute(
                    _treeRoots[i],
                    _treeDistance[i] == Unreachable ? null : _treeDistance[i],
                    _treeSubtree[i] == Unreachable ? null : _treeSubtree[i],
                    _treeEccentricity[i] == Unreachable ? null : _treeEccentricity[i],
                    ReferenceEquals(_treeParent[i], peer),
                    _treeSum[i] == Unreachable ? null : _treeSum[i],
                    _treeCount[i] == Unreachable ? null : _treeCount[i],
                    _treeMean[i] == Unreachable ? null : _treeMean[i]);
            }

            var advert = new SharedTreeAdvert
            {
                WantEcho = peer.TreeRtt < 0,
                Stamp = stamp,
                Echo = peer.TreeEchoStamp,
                Hold = peer.TreeEchoStamp == 0 || now < peer.TreeEchoAt ? 0 : Micros(now - peer.TreeEchoAt),
                Routes = routes,
            };
            Send(peer.Name, PlumtreeFrame.Tree(advert.Encode()));
            _counters.TreeSent++;
        }

        for (var i = 0; i < _treeRoots.Length; i++)
        {
            var at = SentFields * i;
            _treeSent[at] = _treeDistance[i];
            _treeSent[at + 1] = _treeSubtree[i];
            _treeSent[at + 2] = _treeEccentricity[i];
            _treeSent[at + 3] = _treeSum[i];
            _treeSent[at + 4] = _treeCount[i];
            _treeSent[at + 5] = _treeMean[i];
            _treeSentParent[i] = _treeParent[i];
        }

        _treeLastAdvert = now;
        _treeAdvertAt = now + _options.SharedTreeInterval;
        _timers.Enqueue(new Timer(TimerKind.TreeAdvert, default, null, ++_treeAdvertStamp), now + _options.SharedTreeInterval);
    }

    /// <summary>A peer joined or left the set: recompute at the end of the input, and tell a new peer our vector soon.</summary>
    private void NoteTreePeerChange(bool added)
    {
        if (!_options.SharedTree)
        {
            return;
        }

        _treeStale = true;
        if (added)
        {
            ScheduleAdvert(_treeNow);
        }
    }
}
