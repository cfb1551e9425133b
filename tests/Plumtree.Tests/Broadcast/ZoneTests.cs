using Plumtree.Broadcast;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>The zone rules of docs/broadcast.md ("Zones"), one test per rule; expected sets are worked out here from the view's ring order.</summary>
public sealed class ZoneTests
{
    private static BroadcastOptions RingOptions(int minCrossZoneLinks = 1) => new()
    {
        EagerFanout = 3,
        LazyFanout = 3,
        MaxProtectedNeighbors = 2,
        NeighborRefusalTtl = TimeSpan.Zero,
        MinCrossZoneLinks = minCrossZoneLinks,
    };

    /// <summary>Members m00.. spread over zones of the given <paramref name="sizes"/> (zone names z0, z1, ...).</summary>
    private static (PeerView View, Dictionary<string, string> Zones) ZonedView(params int[] sizes)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        for (var z = 0; z < sizes.Length; z++)
        {
            for (var j = 0; j < sizes[z]; j++)
            {
                zones[$"m{i++:D3}"] = $"z{z}";
            }
        }

        return (PeerView.CreateZoned(zones.Keys, zones, 1), zones);
    }

    private static Dictionary<string, BroadcastEngine> EnginesFor(PeerView view, BroadcastOptions options)
    {
        var engines = new Dictionary<string, BroadcastEngine>(StringComparer.Ordinal);
        foreach (var name in view.Ring)
        {
            var engine = new BroadcastEngine(name, options, new RecordingOutput(), new Random(1));
            engine.SetView(view, TimeSpan.Zero);
            engines.Add(name, engine);
        }

        return engines;
    }

    [Fact]
    public void A_view_carries_each_members_zone_and_a_view_without_zones_has_one()
    {
        var view = PeerView.CreateZoned(["a", "b", "c"], new Dictionary<string, string> { ["a"] = "eu-1", ["b"] = "eu-2" }, 3);

        Assert.Equal("eu-1", view.ZoneOf("a"));
        Assert.Equal("eu-2", view.ZoneOf("b"));
        Assert.Null(view.ZoneOf("c")); // no zone: the unnamed zone
        Assert.Null(view.ZoneOf("x")); // not a member
        Assert.Equal(3, view.ZoneCount);
        Assert.Equal(3, view.Version);
        Assert.Equal(1, PeerView.Create(["a", "b"]).ZoneCount);
        Assert.Equal(1, PeerView.CreateZoned(["a", "b"], new Dictionary<string, string> { ["a"] = "z", ["b"] = "z" }, 0).ZoneCount);
        Assert.Equal(0, PeerView.Empty.ZoneCount);
    }

    [Fact]
    public void Ring_neighbours_are_the_nearest_members_of_the_own_zone_plus_the_cross_zone_followers_on_the_merged_rings()
    {
        var (view, zones) = ZonedView(7, 6, 5);
        var ring = view.Ring.ToArray();
        foreach (var self in ring)
        {
            var engine = new BroadcastEngine(self, RingOptions(), new RecordingOutput(), new Random(1));
            engine.SetView(view, TimeSpan.Zero);

            var zone = zones[self];
            var own = ring.Where(n => zones[n] == zone).ToArray();
            var i = Array.IndexOf(own, self);
            var expected = new HashSet<string>(StringComparer.Ordinal) { own[(i + 1) % own.Length], own[(i + own.Length - 1) % own.Length] };

            // Zones z0 → z1 → z2 → z0: self's follower on the merged ring of its zone and the next, if in the next zone;
            // self's leader on the merged ring of the previous zone and its own, if in the previous zone.
            var z = int.Parse(zone[1..], System.Globalization.CultureInfo.InvariantCulture);
            var next = $"z{(z + 1) % 3}";
            var prev = $"z{(z + 2) % 3}";
            var merged = ring.Where(n => zones[n] == zone || zones[n] == next).ToArray();
            var follower = merged[(Array.IndexOf(merged, self) + 1) % merged.Length];
            if (zones[follower] == next)
            {
                expected.Add(follower);
            }

            merged = ring.Where(n => zones[n] == zone || zones[n] == prev).ToArray();
            var leader = merged[(Array.IndexOf(merged, self) + merged.Length - 1) % merged.Length];
            if (zones[leader] == prev)
            {
                expected.Add(leader);
            }

            Assert.Equal(expected.Order(StringComparer.Ordinal), engine.RingNeighbors.Order(StringComparer.Ordinal));
            Assert.All(engine.RingNeighbors, n => Assert.Contains(n, engine.EagerPeers.Concat(engine.LazyPeers)));
        }
    }

    [Theory]
    [InlineData(new[] { 30, 30, 30 })]
    [InlineData(new[] { 5, 40, 17 })]
    [InlineData(new[] { 1, 20, 20, 9 })]
    [InlineData(new[] { 12, 3 })]
    public void The_ring_relation_is_symmetric_with_at_most_two_cross_zone_neighbours_and_every_pair_of_neighbouring_zones_linked(int[] sizes)
    {
        var (view, zones) = ZonedView(sizes);
        var engines = EnginesFor(view, RingOptions());
        var zoneNames = zones.Values.Distinct().Order(StringComparer.Ordinal).ToArray();
        var linkedPairs = new HashSet<(string, string)>();
        foreach (var (name, engine) in engines)
        {
            var cross = engine.RingNeighbors.Where(n => zones[n] != zones[name]).ToList();
            Assert.True(cross.Count <= 2, $"{name} has {cross.Count} cross-zone ring neighbours");
            foreach (var other in engine.RingNeighbors)
            {
                Assert.Contains(name, engines[other].RingNeighbors); // symmetric
                linkedPairs.Add((zones[name], zones[other]));
            }
        }

        for (var z = 0; z < zoneNames.Length; z++)
        {
            Assert.Contains((zoneNames[z], zoneNames[(z + 1) % zoneNames.Length]), linkedPairs);
        }
    }

    [Theory]
    [InlineData(new[] { 30, 30, 30 }, true)]
    [InlineData(new[] { 4, 45, 21 }, true)]
    [InlineData(new[] { 10, 10, 10, 10, 10 }, true)]
    [InlineData(new[] { 30, 30, 30 }, false)]
    public void Losing_one_whole_zone_never_splits_the_ring_links_of_the_surviving_zones(int[] sizes, bool zoneAware)
    {
        var (view, zones) = ZonedView(sizes);
        var engines = EnginesFor(view, RingOptions(zoneAware ? 1 : 0));
        var split = new List<string>();
        foreach (var lost in zones.Values.Distinct())
        {
            var survivors = engines.Keys.Where(n => zones[n] != lost).ToHashSet(StringComparer.Ordinal);
            var reached = new HashSet<string>(StringComparer.Ordinal) { survivors.First() };
            var queue = new Queue<string>(reached);
            while (queue.TryDequeue(out var node))
            {
                foreach (var next in engines[node].RingNeighbors.Where(survivors.Contains))
                {
                    if (reached.Add(next))
                    {
                        queue.Enqueue(next);
                    }
                }
            }

            if (reached.Count != survivors.Count)
            {
                split.Add(lost);
            }
        }

        if (zoneAware)
        {
            Assert.Empty(split);
        }
        else
        {
            Assert.NotEmpty(split); // the plain hash ring is cut into pieces wherever the lost zone's members sat
        }
    }

    [Fact]
    public void A_node_without_a_cross_zone_link_asks_a_member_of_another_zone_at_high_priority_making_room_by_evicting_a_same_zone_peer()
    {
        var options = Plain(3, 3) with { MinCrossZoneLinks = 1 };
        string[] same = ["a1", "a2", "a3", "a4", "a5", "a6"];
        var zones = same.Append("self").ToDictionary(n => n, _ => "A");
        zones["b1"] = "B";
        var view = PeerView.CreateZoned([.. zones.Keys], zones, 1);
        var output = new RecordingOutput();
        var engine = new BroadcastEngine("self", options, output, new Random(3));

        engine.SetView(view, TimeSpan.Zero);
        Assert.Equal("b1: Neighbor high", output.Lines[0]); // asked first, before the fill

        engine.Receive("b1", PlumtreeFrame.Disconnect(), Ms(1)); // b1 refuses
        foreach (var peer in same)
        {
            engine.Receive(peer, PlumtreeFrame.Neighbor(false), Ms(2));
        }

        Assert.Equal(6, engine.EagerPeers.Count + engine.LazyPeers.Count);
        Assert.Equal(0, engine.CrossZonePeers);
        output.Clear();
        while (engine.NextTickAt is { } due && output.Sent.Count == 0)
        {
            engine.Tick(due); // the overlay repair retries while the cross-zone link is missing
        }

        Assert.Equal(2, output.Sent.Count);
        Assert.Equal(FrameType.Disconnect, output.Sent[0].Frame.Type);
        Assert.Contains(output.Sent[0].To, same);
        Assert.Equal("b1: Neighbor high", RecordingOutput.Render(output.Sent[1].To, output.Sent[1].Frame));
        Assert.Contains("b1", engine.EagerPeers.Concat(engine.LazyPeers));
        Assert.Equal(1, engine.CrossZonePeers);
        Assert.Equal(6, engine.EagerPeers.Count + engine.LazyPeers.Count);
    }

    [Fact]
    public void The_last_cross_zone_link_is_never_evicted_to_make_room()
    {
        var options = Plain(3, 3) with { MinCrossZoneLinks = 1 };
        var zones = Enumerable.Range(1, 30).ToDictionary(i => $"a{i}", _ => "A");
        zones["self"] = "A";
        zones["b1"] = "B";
        var view = PeerView.CreateZoned([.. zones.Keys], zones, 1);
        var f = Create(options, eager: ["b1", "a1", "a2"], lazy: ["a3", "a4", "a5"], seed: 7);
        f.Arrange(view, ["b1", "a1", "a2"], ["a3", "a4", "a5"]);

        for (var i = 6; i <= 30; i++)
        {
            f.Engine.Receive($"a{i}", PlumtreeFrame.Neighbor(highPriority: true), Ms(i)); // each evicts a random evictable peer
            Assert.Contains("b1", f.Peers());
        }

        Assert.Equal(1, f.Engine.CrossZonePeers);
        Assert.DoesNotContain(f.Output.Sent, s => s.To == "b1");
    }

    [Fact]
    public void A_full_node_without_a_cross_zone_link_accepts_a_request_from_another_zone_and_refuses_one_from_its_own()
    {
        var options = Plain(2, 2) with { MinCrossZoneLinks = 1 };
        var zones = new Dictionary<string, string> { ["self"] = "A", ["a1"] = "A", ["a2"] = "A", ["a3"] = "A", ["a4"] = "A", ["a5"] = "A", ["b1"] = "B" };
        var view = PeerView.CreateZoned([.. zones.Keys], zones, 1);
        var f = Create(options, eager: ["a1", "a2"], lazy: ["a3", "a4"], seed: 2);
        f.Arrange(view, ["a1", "a2"], ["a3", "a4"]);
        f.Output.Clear();

        f.Engine.Receive("a5", PlumtreeFrame.Neighbor(highPriority: false), Ms(1));
        Assert.Equal(["a5: Disconnect"], f.Output.Lines);

        f.Output.Clear();
        f.Engine.Receive("b1", PlumtreeFrame.Neighbor(highPriority: false), Ms(2));
        Assert.Contains("b1", f.Peers());
        var evicted = Assert.Single(f.Output.Sent);
        Assert.Equal(FrameType.Disconnect, evicted.Frame.Type);
        Assert.StartsWith("a", evicted.To, StringComparison.Ordinal);
        Assert.Equal(4, f.Peers().Count);
    }

    [Fact]
    public void With_MinCrossZoneLinks_0_zones_are_ignored_exactly_as_in_a_view_without_zones_but_cross_zone_peers_are_still_counted()
    {
        var (zoned, zones) = ZonedView(8, 8, 8);
        var plain = PeerView.Create(zoned.Ring.ToArray(), 1);
        var options = RingOptions(minCrossZoneLinks: 0);
        var a = new RecordingOutput();
        var b = new RecordingOutput();
        var withZones = new BroadcastEngine("m005", options, a, new Random(11));
        var without = new BroadcastEngine("m005", options, b, new Random(11));

        withZones.SetView(zoned, TimeSpan.Zero);
        without.SetView(plain, TimeSpan.Zero);
        withZones.RunUntilFull();
        without.RunUntilFull();

        Assert.Equal(b.Lines, a.Lines);
        Assert.Equal(without.RingNeighbors, withZones.RingNeighbors);
        Assert.Equal("z0", withZones.Zone);
        Assert.Null(without.Zone);
        var peers = withZones.EagerPeers.Concat(withZones.LazyPeers).ToList();
        Assert.Equal(peers.Count(p => zones[p] != "z0"), withZones.CrossZonePeers);
        Assert.All(peers, p => Assert.Equal(zones[p] != "z0", withZones.IsCrossZone(p)));
        Assert.Equal(0, without.CrossZonePeers);
    }

    [Fact]
    public void Zone_options_are_validated_by_name()
    {
        Assert.Empty(new BroadcastOptions().Validate());
        Assert.Contains(new BroadcastOptions { MinCrossZoneLinks = -1 }.Validate(), e => e.StartsWith("MinCrossZoneLinks:", StringComparison.Ordinal));
        Assert.Contains(new BroadcastOptions { MinCrossZoneLinks = 7 }.Validate(), e => e.StartsWith("MinCrossZoneLinks:", StringComparison.Ordinal));
        Assert.Empty(new BroadcastOptions { MinCrossZoneLinks = 6 }.Validate());
        Assert.Empty(new BroadcastOptions { MinCrossZoneLinks = 0, GraftRttFactor = 0, CrossZoneGraftFloor = TimeSpan.Zero }.Validate());
        foreach (var factor in new[] { 0.5, -1, 101, double.NaN, double.PositiveInfinity })
        {
            Assert.Contains(new BroadcastOptions { GraftRttFactor = factor }.Validate(), e => e.StartsWith("GraftRttFactor:", StringComparison.Ordinal));
        }

        Assert.Contains(new BroadcastOptions { CrossZoneGraftFloor = TimeSpan.FromMilliseconds(-1) }.Validate(), e => e.StartsWith("CrossZoneGraftFloor:", StringComparison.Ordinal));
        Assert.Contains(new BroadcastOptions { CrossZoneGraftFloor = TimeSpan.FromMinutes(2) }.Validate(), e => e.StartsWith("CrossZoneGraftFloor:", StringComparison.Ordinal));
    }
}
