using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// The shared tree (<see cref="BroadcastOptions.SharedTree"/>): Tree frames carry each node's distance to the candidate
/// roots and echo a timestamp that measures the link; the parent toward a root minimises link latency + the peer's
/// distance, kept within the hysteresis; the root in force is the candidate with the smallest eccentricity; eager =
/// parent + children, everything else lazy; duplicates and Prunes on tree links do not make them lazy.
/// </summary>
public sealed class SharedTreeTests
{
    private static BroadcastOptions Options(int roots = 1, double hysteresisMs = 5) => Plain(4, 0) with
    {
        IHaveInterval = TimeSpan.Zero,
        SharedTree = true,
        SharedTreeRoots = roots,
        SharedTreeHysteresis = Ms(hysteresisMs),
        SharedTreeInterval = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// A fixture for "self" with peers a, b, c, d (all eager to begin with) and other members; the candidate roots (the
    /// lowest ring hashes) are among the others, never self or a peer.
    /// </summary>
    private static (EngineFixture F, string[] Roots) Create(int roots = 1, double hysteresisMs = 5)
    {
        var others = Enumerable.Range(0, 40).Select(i => $"x{i}").ToArray();
        var f = EngineFixture.Create(Options(roots, hysteresisMs), eager: ["a", "b", "c", "d"], lazy: [], others: others);
        var candidates = f.Engine.SharedTreeCandidates.ToArray();
        Assert.Equal(roots, candidates.Length);
        Assert.All(candidates, r => Assert.StartsWith("x", r, StringComparison.Ordinal));
        return (f, candidates);
    }

    /// <summary>
    /// Answers from <paramref name="peer"/> as if
    /// the link's round trip were <paramref name="rttMs"/>: the reply echoes the engine's stamp and arrives that much
    /// after the engine's advert was sent. Returns the time the reply arrived.
    /// </summary>
    private static TimeSpan Reply(EngineFixture f, string peer, double rttMs, params SharedTreeRoute[] routes)
    {
        var last = f.Output.OfType(FrameType.Tree).LastOrDefault(s => s.To == peer);
        Assert.NotNull(last.To);
        var sent = SharedTreeAdvert.TryDecode(last.Frame.Payload.Span)!;
        var sentAt = TimeSpan.FromTicks((sent.Stamp - 1) * 10);
        var at = sentAt + Ms(rttMs);
        var advert = new SharedTreeAdvert { Stamp = (long)at.TotalMicroseconds + 1, Echo = sent.Stamp, Hold = 0, Routes = routes };
        f.Engine.Receive(peer, PlumtreeFrame.Tree(advert.Encode()), at);
        return at;
    }

    /// <summary>An advert from <paramref name="peer"/> without an echo (no round-trip sample), received at <paramref name="at"/>.</summary>
    private static void Advert(EngineFixture f, string peer, long stamp, TimeSpan at, SharedTreeRoute[] routes) =>
        f.Engine.Receive(peer, PlumtreeFrame.Tree(new SharedTreeAdvert { Stamp = stamp, Routes = routes }.Encode()), at);

    /// <summary>The Prunes sent, rendered ("peer: Prune").</summary>
    private static string[] Prunes(EngineFixture f) =>
        f.Output.OfType(FrameType.Prune).Select(s => RecordingOutput.Render(s.To, s.Frame)).ToArray();

    /// <summary>The last advert sent to each peer since the recording was cleared.</summary>
    private static Dictionary<string, SharedTreeAdvert> LastAdverts(EngineFixture f) =>
        f.Output.OfType(FrameType.Tree).GroupBy(s => s.To).ToDictionary(g => g.Key, g => SharedTreeAdvert.TryDecode(g.Last().Frame.Payload.Span)!);

    /// <summary>A route; the root's mean distance is 0 when an eccentricity is given (the root's score is then the eccentricity).</summary>
    private static SharedTreeRoute Route(string root, double? distanceMs, double? eccentricityMs = null, bool parentIsYou = false, double? subtreeMs = null) =>
        new(root, Us(distanceMs), Us(subtreeMs ?? distanceMs), Us(eccentricityMs), parentIsYou, Mean: eccentricityMs is null ? null : 0);

    private static long? Us(double? ms) => ms is { } v ? (long)(v * 1000) : null;

    private static string[] Sorted(IEnumerable<string> names) => [.. names.Order(StringComparer.Ordinal)];

    [Fact]
    public void Off_by_default_no_Tree_frame_is_sent_and_a_received_one_changes_nothing()
    {
        var f = EngineFixture.Create(Plain(4, 0), eager: ["a", "b"], lazy: []);
        f.RunTimersUntil(TimeSpan.FromSeconds(30));
        Assert.Empty(f.Output.OfType(FrameType.Tree));

        var advert = new SharedTreeAdvert { Stamp = 1, Routes = [Route("a", 0, 100)] };
        f.Engine.Receive("a", PlumtreeFrame.Tree(advert.Encode()), Ms(1));
        Assert.Null(f.Engine.SharedTreeRoot);
        Assert.Equal(["a", "b"], Sorted(f.Engine.EagerPeers));
    }

    [Fact]
    public void The_parent_is_the_peer_minimising_link_latency_plus_its_distance_and_a_peer_routing_through_us_is_never_it()
    {
        var (f, roots) = Create();
        var root = roots[0];
        f.RunTimersUntil(Ms(1));
        Assert.Equal(4, f.Output.OfType(FrameType.Tree).Count); // the first advert goes to every peer at once

        Reply(f, "c", 2, Route(root, 10, 400, parentIsYou: true)); // 1 + 10, but c's path runs through us
        Reply(f, "a", 20, Route(root, 100, 400)); // 10 + 100 = 110 ms
        Reply(f, "d", 40, Route(root, null)); // no way to the root
        Reply(f, "b", 100, Route(root, 50, 400)); // 50 + 50 = 100 ms: the best, though its link is the slowest

        Assert.Equal(root, f.Engine.SharedTreeRoot);
        Assert.Equal("b", f.Engine.SharedTreeParent);
        Assert.Equal(Ms(100), f.Engine.SharedTreeDistance(root));
        Assert.Equal(Ms(400), f.Engine.SharedTreeEccentricity(root)); // learnt from the parent
        Assert.True(f.Engine.SharedTreeActive);

        // The next advert names b as our parent, and only b.
        f.Output.Clear();
        f.RunTimersUntil(TimeSpan.FromSeconds(6));
        var adverts = LastAdverts(f);
        Assert.Equal(["b"], adverts.Where(a => a.Value.Routes[0].ParentIsYou).Select(a => a.Key).ToArray());
        Assert.Equal(100_000, adverts["a"].Routes[0].Distance);
    }

    [Fact]
    public void Hysteresis_keeps_the_parent_until_another_path_is_better_by_the_margin()
    {
        var (f, roots) = Create(hysteresisMs: 5);
        var root = roots[0];
        f.RunTimersUntil(Ms(1));
        Reply(f, "a", 20, Route(root, 100, 400)); // 110 ms
        Reply(f, "b", 20, Route(root, 120, 400)); // 130 ms
        Assert.Equal("a", f.Engine.SharedTreeParent);

        var t = TimeSpan.FromSeconds(1);
        Advert(f, "b", 2, t, [Route(root, 96, 400)]);
        Assert.Equal("a", f.Engine.SharedTreeParent); // b: 106 ms, better by 4 ms only
        Assert.Equal(Ms(110), f.Engine.SharedTreeDistance(root)); // the distance is the path actually taken

        Advert(f, "b", 3, t + Ms(1), [Route(root, 90, 400)]);
        Assert.Equal("b", f.Engine.SharedTreeParent); // 100 ms: better by 10 ms
        Assert.Equal(Ms(100), f.Engine.SharedTreeDistance(root));

        // Without hysteresis the 4 ms gain alone switches back and forth.
        var (g, rootsG) = Create(hysteresisMs: 0);
        g.RunTimersUntil(Ms(1));
        Reply(g, "a", 20, Route(rootsG[0], 100, 400));
        Reply(g, "b", 20, Route(rootsG[0], 96, 400));
        Assert.Equal("b", g.Engine.SharedTreeParent);
    }

    [Fact]
    public void Eager_peers_are_the_parent_and_the_children_every_other_peer_is_lazy()
    {
        var (f, roots) = Create();
        var root = roots[0];
        f.RunTimersUntil(Ms(1));
        Reply(f, "a", 20, Route(root, 100, 400));
        Reply(f, "b", 20, Route(root, 200, 400, parentIsYou: true, subtreeMs: 300) with { SubtreeSum = 500_000, SubtreeCount = 2 }); // b names us its parent: a child
        Reply(f, "c", 20, Route(root, 150, 400));
        Reply(f, "d", 20, Route(root, 150, 400));

        Assert.Equal(["a", "b"], Sorted(f.Engine.EagerPeers));
        Assert.Equal(["c", "d"], Sorted(f.Engine.LazyPeers));

        // A message pushed by the parent goes to the child eagerly and is announced to the others.
        f.Output.Clear();
        f.Gossip("a", 1, 3, TimeSpan.FromSeconds(1));
        Assert.Equal(["b: Gossip m1 hop 4 16B", "c: IHave [m1@3]", "d: IHave [m1@3]"], f.SentSorted());

        // The subtree's largest distance goes up to the parent (b's 300 ms), with its distance sum and size: ours is 110 ms.
        f.Output.Clear();
        f.RunTimersUntil(TimeSpan.FromSeconds(6));
        var toA = SharedTreeAdvert.TryDecode(f.Output.OfType(FrameType.Tree).Last(s => s.To == "a").Frame.Payload.Span)!;
        Assert.Equal(300_000, toA.Routes[0].Subtree);
        Assert.Equal((610_000L, 3L), (toA.Routes[0].SubtreeSum, toA.Routes[0].SubtreeCount));
        Assert.True(toA.Routes[0].ParentIsYou);
    }

    [Fact]
    public void Duplicates_and_Prunes_on_a_tree_link_leave_it_eager_and_a_link_outside_the_tree_is_pruned_by_either_copy()
    {
        var (f, roots) = Create();
        var root = roots[0];
        f.RunTimersUntil(Ms(1));
        Reply(f, "a", 20, Route(root, 100, 400));
        Reply(f, "b", 20, Route(root, 200, 400, parentIsYou: true));
        Reply(f, "c", 20, Route(root, 150, 400));
        Reply(f, "d", 20, Route(root, 150, 400));
        Assert.Equal(["a", "b"], Sorted(f.Engine.EagerPeers));

        var t = TimeSpan.FromSeconds(1);
        f.Gossip("a", 1, 3, t);
        f.Output.Clear();
        f.Gossip("b", 1, 5, t + Ms(5)); // the child's copy of a message from another origin: a race, not a cycle
        Assert.Empty(f.Output.OfType(FrameType.Prune));
        f.Prune("a", t + Ms(6));
        Assert.Equal(["a", "b"], Sorted(f.Engine.EagerPeers));

        // A Graft makes c eager (repair); its duplicate then prunes it, as the classic rule does.
        f.Graft("c", 0, 0, t + Ms(7));
        Assert.Contains("c", f.Engine.EagerPeers);
        f.Gossip("c", 1, 4, t + Ms(8));
        Assert.Equal(["c: Prune"], Prunes(f));
        Assert.Equal(["a", "b"], Sorted(f.Engine.EagerPeers));

        // d made eager the same way brings the next message first: its own copies are never duplicates, so the tree
        // copy that follows (a duplicate on a tree link) prunes d, the link outside the tree.
        f.Graft("d", 0, 0, t + Ms(9));
        f.Output.Clear();
        f.Gossip("d", 2, 4, t + Ms(10));
        f.Gossip("a", 2, 3, t + Ms(20));
        Assert.Equal(["d: Prune"], Prunes(f));
        Assert.Equal(["a", "b"], Sorted(f.Engine.EagerPeers));
    }

    [Fact]
    public void When_the_parent_leaves_the_next_best_peer_becomes_the_parent_and_eager()
    {
        var (f, roots) = Create();
        var root = roots[0];
        f.RunTimersUntil(Ms(1));
        Reply(f, "a", 20, Route(root, 100, 400)); // 110
        Reply(f, "b", 20, Route(root, 120, 400)); // 130
        Reply(f, "c", 20, Route(root, 150, 400)); // 160
        Reply(f, "d", 20, Route(root, 150, 400, parentIsYou: true));
        Assert.Equal("a", f.Engine.SharedTreeParent);
        Assert.Equal(["a", "d"], Sorted(f.Engine.EagerPeers));

        f.RunTimersUntil(TimeSpan.FromSeconds(1));
        f.Output.Clear();
        var view = PeerView.Create(f.View.Ring.ToArray().Where(n => n != "a"));
        f.Engine.SetView(view, TimeSpan.FromSeconds(1));

        Assert.Equal("b", f.Engine.SharedTreeParent);
        Assert.Equal(Ms(130), f.Engine.SharedTreeDistance(root));
        Assert.Equal(["b", "d"], Sorted(f.Engine.EagerPeers));
        Assert.Contains("c", f.Engine.LazyPeers);

        // The change is advertised at once: b learns it has a child, d our new distance.
        f.RunTimersUntil(TimeSpan.FromSeconds(1));
        var adverts = LastAdverts(f);
        Assert.True(adverts["b"].Routes[0].ParentIsYou);
        Assert.Equal(130_000, adverts["d"].Routes[0].Distance);
    }

    [Fact]
    public void The_root_in_force_is_the_candidate_with_the_smallest_eccentricity_plus_mean_distance()
    {
        var (f, roots) = Create(roots: 3);
        f.RunTimersUntil(Ms(1));

        // a leads to every candidate; the eccentricities it passes on decide: roots[1] has the smallest.
        Reply(f, "a", 20, Route(roots[0], 50, 500), Route(roots[1], 200, 300), Route(roots[2], 60, 350));
        Reply(f, "b", 20, Route(roots[0], 100, 500), Route(roots[1], 100, 300), Route(roots[2], 100, 350));
        Assert.Equal(roots[1], f.Engine.SharedTreeRoot);
        Assert.Equal("b", f.Engine.SharedTreeParent); // toward roots[1]: b 110 against a 210
        Assert.Contains("b", f.Engine.EagerPeers);
        Assert.DoesNotContain("a", f.Engine.EagerPeers);

        // The eccentricities move: roots[2] becomes the smallest, and the tree follows it.
        var t = TimeSpan.FromSeconds(1);
        Advert(f, "a", 5, t, [Route(roots[0], 50, 500), Route(roots[1], 200, 300), Route(roots[2], 60, 250)]);
        Advert(f, "b", 5, t, [Route(roots[0], 100, 500), Route(roots[1], 100, 300), Route(roots[2], 100, 250)]);
        Assert.Equal(roots[2], f.Engine.SharedTreeRoot);
        Assert.Equal("a", f.Engine.SharedTreeParent);
        Assert.Contains("a", f.Engine.EagerPeers);
        Assert.DoesNotContain("b", f.Engine.EagerPeers);

        // The mean distance counts too: roots[1] with eccentricity 300 and mean 100 (400) beats roots[2] with 250 + 200.
        var t2 = TimeSpan.FromSeconds(2);
        SharedTreeRoute[] routes(double d1, double d2) =>
            [Route(roots[0], 50, 500), Route(roots[1], d1, 300) with { Mean = 100_000 }, Route(roots[2], d2, 250) with { Mean = 200_000 }];
        Advert(f, "a", 6, t2, routes(200, 60));
        Advert(f, "b", 6, t2, routes(100, 100));
        Assert.Equal(roots[1], f.Engine.SharedTreeRoot);
        Assert.Equal("b", f.Engine.SharedTreeParent);
    }

    [Fact]
    public void Candidates_within_two_percent_and_the_hysteresis_of_the_best_score_go_to_the_lower_ring_hash()
    {
        var (f, roots) = Create(roots: 2, hysteresisMs: 5);
        f.RunTimersUntil(Ms(1));

        // roots[1] scores 300 ms, roots[0] 310: within 300 + 6 + 5, so roots[0] (the lower ring hash) is in force and
        // jitter that moves either score inside the margin changes nothing.
        Reply(f, "a", 20, Route(roots[0], 50, 310), Route(roots[1], 50, 300));
        Assert.Equal(roots[0], f.Engine.SharedTreeRoot);
        var t = TimeSpan.FromSeconds(1);
        Advert(f, "a", 5, t, [Route(roots[0], 50, 308), Route(roots[1], 50, 302)]);
        Assert.Equal(roots[0], f.Engine.SharedTreeRoot);

        // Outside the margin the better score wins.
        Advert(f, "a", 6, t + Ms(1), [Route(roots[0], 50, 312), Route(roots[1], 50, 300)]);
        Assert.Equal(roots[1], f.Engine.SharedTreeRoot);
    }

    [Theory]
    [InlineData(1, 2.0)]
    [InlineData(2, 2.0)]
    [InlineData(3, 10.0)]
    public void On_links_of_equal_latency_and_jitter_the_nodes_keep_one_root_and_one_tree(int seed, double jitterMs)
    {
        // A LAN: every link 0.2 ms plus up to the jitter, so the candidates' scores differ only by noise. Picking the
        // exact minimum flipped the root with the periodic adverts, differently on different nodes (0–37 root or parent
        // changes and up to 538 payloads per 40 broadcasts against 280; over real sockets the same).
        const int n = 8;
        var options = new Plumtree.Node.PlumtreeNodeOptions { Profile = "local" }.EffectiveBroadcast with { SharedTree = true, SharedTreeInterval = TimeSpan.FromSeconds(1) };
        var net = new InMemoryNetwork(n, options, seed, TimeSpan.FromMilliseconds(0.2)) { Jitter = TimeSpan.FromMilliseconds(jitterMs) };
        net.SetViewToLive();
        net.RunUntil(TimeSpan.FromSeconds(10));
        var random = new Random(seed);
        var id = 0UL;
        for (var window = 0; window < 5; window++)
        {
            var before = net.PayloadReceived.Values.Sum();
            for (var i = 0; i < 40; i++)
            {
                net.Broadcast(net.Names[random.Next(n)], new MessageId(0, ++id), new byte[16]);
                net.RunUntil(net.Now + Ms(50));
            }

            net.RunUntil(net.Now + Ms(500));
            var roots = net.Live.Select(v => v.Engine.SharedTreeRoot).Distinct().ToList();
            Assert.True(roots.Count == 1 && roots[0] is not null, $"window {window}: roots in force {string.Join(", ", roots)}");
            Assert.InRange(net.PayloadReceived.Values.Sum() - before, 40 * (n - 1), (40 * (n - 1)) + 5);
        }
    }

    [Fact]
    public void A_malformed_Tree_frame_is_counted_and_ignored()
    {
        var (f, _) = Create();
        f.Engine.Receive("a", PlumtreeFrame.Tree(new byte[] { 0x80 }), Ms(1));
        f.Engine.Receive("a", PlumtreeFrame.Tree(new byte[] { 0x00, 0x01, 0x00, 0x00, 0x01 }), Ms(2)); // one route announced, none there
        Assert.Equal(2, f.Engine.Counters.Malformed);
        Assert.Null(f.Engine.SharedTreeRoot);
    }

    [Fact]
    public void An_advert_round_trips_through_its_encoding()
    {
        var advert = new SharedTreeAdvert
        {
            WantEcho = true,
            Stamp = 1_234_567_890_123,
            Echo = 42,
            Hold = 300,
            Routes =
            [
                Route("n1", 0, 250, subtreeMs: 250) with { SubtreeSum = 5_000_000_000, SubtreeCount = 10_000, Mean = 123_456 },
                Route("ñ2", null),
                Route("n3", 12.345, null, parentIsYou: true, subtreeMs: 99),
            ],
        };
        var decoded = SharedTreeAdvert.TryDecode(advert.Encode())!;
        Assert.Equal((advert.WantEcho, advert.Stamp, advert.Echo, advert.Hold), (decoded.WantEcho, decoded.Stamp, decoded.Echo, decoded.Hold));
        Assert.Equal(advert.Routes, decoded.Routes);
    }

    /// <summary>
    /// 60 engines on links of 10–100 ms (fixed per link): after the tree settles every node has the same root, the
    /// candidate with the smallest eccentricity over the overlay; every node's distance is its shortest-path distance to
    /// it; the eager links are exactly the parent links, on both ends; broadcasts from many senders then cost n − 1
    /// payloads each. Killing a node with children re-attaches them and every broadcast still reaches everyone.
    /// </summary>
    [Fact]
    public void Sixty_engines_agree_on_the_root_the_rule_picks_and_push_only_over_its_shortest_path_tree()
    {
        const int n = 60;
        var options = BroadcastOptions.Paper(manySenders: true) with
        {
            SharedTree = true,
            SharedTreeRoots = 4,
            SharedTreeHysteresis = TimeSpan.Zero,
            GraftTimeout = Ms(500),
            GraftRetryTimeout = Ms(250),
        };
        var net = new InMemoryNetwork(n, options, seed: 3) { LinkDelay = LinkMs };
        net.SetViewToLive();
        net.RunUntil(TimeSpan.FromSeconds(20));

        AssertTreeIsShortestPathTreeOfBestCandidate(net);
        var random = new Random(5);
        for (var i = 1; i <= 20; i++)
        {
            var id = new MessageId(0, (ulong)i);
            net.Broadcast(net.Names[random.Next(n)], id, new byte[64]);
            net.RunUntil(net.Now + Ms(500));
            AssertDeliveredOnceEverywhere(net, id);
            Assert.Equal(n - 1, net.PayloadReceived[id]); // only tree links push
        }

        // Kill the non-root node with the most children: they re-attach elsewhere.
        var victim = net.Live.Where(v => v.Engine.SharedTreeParent is not null)
            .OrderByDescending(v => net.Live.Count(c => c.Engine.SharedTreeParent == v.Name)).First().Name;
        Assert.True(net.Live.Count(c => c.Engine.SharedTreeParent == victim) >= 1);
        net.Kill(victim);
        net.SetViewToLive();
        for (var i = 21; i <= 30; i++)
        {
            var id = new MessageId(0, (ulong)i);
            net.Broadcast(net.Live.ElementAt(random.Next(n - 1)).Name, id, new byte[64]);
            net.RunUntil(net.Now + TimeSpan.FromSeconds(2));
            AssertDeliveredOnceEverywhere(net, id);
        }

        net.RunUntil(net.Now + TimeSpan.FromSeconds(20));
        AssertTreeIsShortestPathTreeOfBestCandidate(net);
    }

    /// <summary>A fixed latency per link from 10 to 100 ms, the same both ways.</summary>
    private static TimeSpan LinkMs(string a, string b)
    {
        var (lo, hi) = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        var h = PeerView.RingHash(lo + "|" + hi);
        return Ms(10 + (long)(h % 91));
    }

    private static void AssertDeliveredOnceEverywhere(InMemoryNetwork net, MessageId id)
    {
        var wrong = net.Live.Where(node => node.Deliveries.GetValueOrDefault(id) != 1).Select(node => node.Name).ToList();
        Assert.True(wrong.Count == 0, $"{id} not delivered once at {string.Join(", ", wrong)}");
    }

    private static void AssertTreeIsShortestPathTreeOfBestCandidate(InMemoryNetwork net)
    {
        var live = net.Live.ToList();
        var root = live[0].Engine.SharedTreeRoot;
        Assert.NotNull(root);
        Assert.All(live, v => Assert.Equal(root, v.Engine.SharedTreeRoot));

        // Dijkstra over the engines' overlay from every candidate: the agreed root is the first candidate (lowest ring
        // hash) whose eccentricity + mean is within 2 % of the smallest (the hysteresis is 0 here).
        var candidates = live[0].Engine.SharedTreeCandidates;
        var score = candidates.ToDictionary(c => c, c =>
        {
            var d = Dijkstra(net, c).Values.Select(t => (long)t.TotalMicroseconds).ToList();
            return d.Max() + (d.Sum() / d.Count);
        });
        var best = score.Values.Min();
        Assert.Equal(candidates.First(c => score[c] <= best + (best / 50)), root);

        var distance = Dijkstra(net, root);
        foreach (var v in live)
        {
            Assert.Equal((TimeSpan?)distance[v.Name], v.Engine.SharedTreeDistance(root));
            var parent = v.Engine.SharedTreeParent;
            Assert.Equal(v.Name == root, parent is null);
            var children = live.Where(c => c.Engine.SharedTreeParent == v.Name).Select(c => c.Name);
            Assert.Equal(Sorted(children.Concat(parent is null ? [] : [parent])), Sorted(v.Engine.EagerPeers));
        }
    }

    private static Dictionary<string, TimeSpan> Dijkstra(InMemoryNetwork net, string origin)
    {
        var distance = new Dictionary<string, TimeSpan>(StringComparer.Ordinal) { [origin] = TimeSpan.Zero };
        var queue = new PriorityQueue<string, TimeSpan>();
        queue.Enqueue(origin, TimeSpan.Zero);
        while (queue.TryDequeue(out var node, out var d))
        {
            if (d > distance[node])
            {
                continue;
            }

            foreach (var next in net[node].Peers)
            {
                var through = d + LinkMs(node, next);
                if (net[next].Alive && (!distance.TryGetValue(next, out var known) || through < known))
                {
                    distance[next] = through;
                    queue.Enqueue(next, through);
                }
            }
        }

        return distance;
    }
}
