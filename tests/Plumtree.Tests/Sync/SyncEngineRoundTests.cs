using Plumtree.Storage;
using Plumtree.Sync;
using Plumtree.Wire;

namespace Plumtree.Tests.Sync;

/// <summary>Whole rounds between engines wired by <see cref="SyncNet"/>: convergence, bytes, paging, floors, join window.</summary>
public sealed class SyncEngineRoundTests
{
    private static ITestOutputHelper? Log => TestContext.Current.TestOutputHelper;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_sets_with_differences_both_ways_converge_in_one_round_and_each_missing_message_is_recovered_once(int seed)
    {
        var net = new SyncNet();
        var a = net.Add("a", seed: seed);
        var b = net.Add("b", seed: seed + 100);
        a.Load([], SyncNet.T0 - TimeSpan.FromHours(2).Ticks / TimeSpan.TicksPerMillisecond, net.Now);
        b.Load([], SyncNet.T0 - TimeSpan.FromHours(2).Ticks / TimeSpan.TicksPerMillisecond, net.Now);
        net.Connect();
        var random = new Random(seed);
        MessageId Recent() => SyncNet.Id(random, net.Now - random.NextInt64(50 * 60 * 1000));
        var common = Enumerable.Range(0, 900).Select(_ => Recent()).ToList();
        var onlyA = Enumerable.Range(0, 50 + random.Next(100)).Select(_ => Recent()).ToList();
        var onlyB = Enumerable.Range(0, 50 + random.Next(100)).Select(_ => Recent()).ToList();
        SyncNet.Fill(a, common.Concat(onlyA), net.Now);
        SyncNet.Fill(b, common.Concat(onlyB), net.Now);

        Assert.True(a.RequestRound("b", net.Now));
        Assert.Equal("b", a.ActiveRoundPeer);
        net.Pump();

        Assert.Null(a.ActiveRoundPeer);
        Assert.Equal(1, a.Counters.RoundsStarted);
        Assert.Equal(1, a.Counters.RoundsCompleted);
        Assert.Equal(a.Messages().Select(m => m.Id), b.Messages().Select(m => m.Id));
        Assert.Equal(onlyB.Order(), net.Recovered["a"].Select(r => r.Id).Order());
        Assert.Equal(onlyA.Order(), net.Recovered["b"].Select(r => r.Id).Order());
        Assert.All(net.Recovered["a"], r => Assert.Equal("b", r.From));
        Assert.All(net.Recovered["b"], r => Assert.Equal("a", r.From));
        Assert.All(net.Recovered["a"].Concat(net.Recovered["b"]), r => Assert.Equal(SyncNet.Payload(r.Id), r.Payload.ToArray()));
        Assert.Equal(onlyB.Count, a.Counters.MessagesRecovered);
        Assert.Equal(onlyA.Count, a.Counters.MessagesPushed);
        Assert.Equal(onlyB.Count, b.Counters.MessagesServed);
        Assert.Equal(onlyA.Count + onlyB.Count, a.Counters.DifferencesFound);

        var peer = Assert.Single(a.Snapshot(net.Now).Peers);
        Assert.Equal(("b", "ok", onlyB.Count, onlyA.Count, 1L, 0L), (peer.Name, peer.LastResult, peer.LastNeed, peer.LastHave, peer.RoundsOk, peer.RoundsFailed));
        Log?.WriteLine($"seed {seed}: need {onlyB.Count}, have {onlyA.Count}; a→b {net.Bodies("a", "b").Sum(x => x.Length)} B in {net.Bodies("a", "b").Count()} bodies, b→a {net.Bodies("b", "a").Sum(x => x.Length)} B in {net.Bodies("b", "a").Count()} bodies");

        // A second round finds nothing and recovers nothing more.
        Assert.True(b.RequestRound("a", net.Now));
        net.Pump();
        Assert.Equal(1, b.Counters.RoundsCompleted);
        Assert.Equal(onlyB.Count, net.Recovered["a"].Count);
        Assert.Equal(onlyA.Count, net.Recovered["b"].Count);
    }

    [Fact]
    public void A_round_between_engines_in_sync_costs_at_most_128_bytes_each_way()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        var b = net.Add("b", seed: 2);
        net.Connect();
        var random = new Random(7);
        var ids = Enumerable.Range(0, 1000).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(4 * 60 * 1000))).ToList();
        SyncNet.Fill(a, ids, net.Now);
        SyncNet.Fill(b, ids, net.Now);

        Assert.True(a.RequestRound(null, net.Now));
        net.Pump();

        Assert.Equal(1, a.Counters.RoundsCompleted);
        var sent = net.Bodies("a", "b").ToList();
        var received = net.Bodies("b", "a").ToList();
        Log?.WriteLine($"in-sync round over 1,000 ids: a→b {sent.Sum(x => x.Length)} B in {sent.Count} bodies, b→a {received.Sum(x => x.Length)} B in {received.Count} bodies (Sync frame header adds 6 B per body)");
        Assert.InRange(sent.Sum(x => x.Length), 1, 128);
        Assert.InRange(received.Sum(x => x.Length), 1, 128);
        Assert.Equal(0, a.Counters.DifferencesFound);
    }

    [Fact]
    public void Pages_of_1_KiB_messages_stay_within_PageBytes_both_ways()
    {
        var options = SyncNet.Options() with { PageBytes = 16 * 1024 };
        var net = new SyncNet();
        var a = net.Add("a", options);
        var b = net.Add("b", options, seed: 2);
        net.Connect();
        var random = new Random(11);
        var ids = Enumerable.Range(0, 3000).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(4 * 60 * 1000))).ToList();
        SyncNet.Fill(a, ids.Take(1500), net.Now, size: 1024);
        SyncNet.Fill(b, ids.Skip(1500), net.Now, size: 1024);

        Assert.True(a.RequestRound("b", net.Now));
        net.Pump();

        Assert.Equal(1, a.Counters.RoundsCompleted);
        Assert.Equal(3000, a.Count);
        Assert.Equal(3000, b.Count);
        Assert.Equal(1500, net.Recovered["a"].Count);
        Assert.Equal(1500, net.Recovered["b"].Count);
        Assert.All(net.Sent, s => Assert.InRange(s.Body.Length, 1, options.PageBytes));
        var kinds = net.Sent.GroupBy(s => (SyncFrameKind)s.Body[0]).ToDictionary(g => g.Key, g => (Count: g.Count(), Max: g.Max(s => s.Body.Length), Total: g.Sum(s => (long)s.Body.Length)));
        foreach (var (kind, figures) in kinds.OrderBy(k => k.Key))
        {
            Log?.WriteLine($"{kind}: {figures.Count} bodies, largest {figures.Max} B, {figures.Total} B in all");
        }

        Assert.Equal(1500 / (options.PageBytes / 256) + 1, kinds[SyncFrameKind.Want].Count);
        Assert.True(kinds[SyncFrameKind.Messages].Count >= 1500 * (1024 + 20) / options.PageBytes);
    }

    [Fact]
    public void A_message_bigger_than_a_page_travels_alone()
    {
        var options = SyncNet.Options() with { PageBytes = 4096 };
        var net = new SyncNet();
        var a = net.Add("a", options);
        var b = net.Add("b", options, seed: 2);
        net.Connect();
        var random = new Random(3);
        var big = SyncNet.Id(random, net.Now - 1000);
        var small = SyncNet.Id(random, net.Now - 500);
        Assert.True(b.Accept(big, SyncNet.Payload(big, 10_000), net.Now));
        Assert.True(b.Accept(small, SyncNet.Payload(small, 100), net.Now));

        Assert.True(a.RequestRound("b", net.Now));
        net.Pump();

        var pages = net.Bodies("b", "a").Where(x => x[0] == (byte)SyncFrameKind.Messages).Select(x => SyncFrameCodec.Decode(x)).ToList();
        Assert.Equal(2, pages.Count);
        Assert.Contains(pages, p => p.Entries.Length == 1 && p.Entries[0].Id == big);
        Assert.Equal(2, net.Recovered["a"].Count);
    }

    [Fact]
    public void A_responder_whose_floor_is_later_answers_Floor_and_the_initiator_restarts_from_it_once()
    {
        var net = new SyncNet();
        var old = net.Add("old");
        old.Load([], SyncNet.T0 - (2 * 3600 * 1000), net.Now);
        var young = net.Add("young", seed: 2); // joined now: floor = now - JoinWindow (5 min)
        young.Load([], null, net.Now);
        net.Connect();
        var random = new Random(5);
        var recent = Enumerable.Range(0, 40).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(4 * 60 * 1000))).ToList();
        var older = Enumerable.Range(0, 60).Select(_ => SyncNet.Id(random, net.Now - (10 * 60 * 1000) - random.NextInt64(40 * 60 * 1000))).ToList();
        SyncNet.Fill(old, recent.Concat(older), net.Now);

        Assert.True(old.RequestRound("young", net.Now));
        net.Pump();

        var floor = Assert.Single(net.Bodies("young", "old"), x => x[0] == (byte)SyncFrameKind.Floor);
        Assert.Equal(young.FloorUnixMilliseconds(net.Now), SyncFrameCodec.Decode(floor).Milliseconds);
        Assert.Equal(2, net.Bodies("old", "young").Count(x => x[0] == (byte)SyncFrameKind.Reconcile));
        Assert.Equal(1, old.Counters.RoundsCompleted);
        Assert.Equal(recent.Order(), net.Recovered["young"].Select(r => r.Id).Order());
        Assert.Equal(recent.Order(), young.Messages().Select(m => m.Id));
    }

    [Fact]
    public void A_new_engine_does_not_fetch_messages_older_than_its_join_window()
    {
        var net = new SyncNet();
        var old = net.Add("old");
        old.Load([], SyncNet.T0 - (2 * 3600 * 1000), net.Now);
        var young = net.Add("young", seed: 2);
        young.Load([], null, net.Now);
        net.Connect();
        var random = new Random(8);
        var recent = Enumerable.Range(0, 30).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(4 * 60 * 1000))).ToList();
        var older = Enumerable.Range(0, 70).Select(_ => SyncNet.Id(random, net.Now - (6 * 60 * 1000) - random.NextInt64(50 * 60 * 1000))).ToList();
        SyncNet.Fill(old, recent.Concat(older), net.Now);

        Assert.Equal(net.Now - (5 * 60 * 1000), young.FloorUnixMilliseconds(net.Now));
        Assert.True(young.RequestRound("old", net.Now));
        net.Pump();

        Assert.Equal(1, young.Counters.RoundsCompleted);
        Assert.Equal(recent.Order(), net.Recovered["young"].Select(r => r.Id).Order());
        Assert.Empty(net.Recovered["old"]);
        Assert.Equal(100, old.Count);
    }

    [Fact]
    public void A_disabled_engine_refuses_and_the_initiator_counts_the_round_as_refused()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        var off = net.Add("off", SyncNet.Options() with { Enabled = false }, seed: 2);
        net.Connect();
        var random = new Random(4);
        SyncNet.Fill(a, Enumerable.Range(0, 10).Select(_ => SyncNet.Id(random, net.Now - 1000)), net.Now);

        Assert.False(off.RequestRound("a", net.Now));
        off.PeerUp("a", returning: true, net.Now);
        off.Tick(net.Now);
        Assert.Null(off.NextTickAt);
        Assert.Empty(net.Sent);

        Assert.True(a.RequestRound("off", net.Now));
        net.Pump();

        Assert.Single(net.Bodies("off", "a"), x => x[0] == (byte)SyncFrameKind.Refuse);
        Assert.Equal(1, a.Counters.Failures[SyncFailure.Refused]);
        Assert.Equal(0, a.Counters.RoundsCompleted);
        Assert.Null(a.ActiveRoundPeer);
        Assert.Equal(SyncFailure.Refused, a.Snapshot(net.Now).Peers.Single().LastResult);
        Assert.False(off.Snapshot(net.Now).Enabled);
    }

    [Fact]
    public void A_returning_peer_gets_an_immediate_round_on_the_next_Tick()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        net.Add("b", seed: 2);
        a.PeerUp("b", returning: false, net.Now);
        Assert.True(a.NextTickAt > net.Now);

        net.Now += 1000;
        a.PeerUp("b", returning: true, net.Now);
        Assert.Equal(net.Now, a.NextTickAt);
        Assert.Null(a.ActiveRoundPeer);

        a.Tick(net.Now);
        Assert.Equal("b", a.ActiveRoundPeer);
        net.Pump();
        Assert.Equal(1, a.Counters.RoundsCompleted);
        Assert.True(a.NextTickAt > net.Now);
    }

    [Fact]
    public void SetPeers_decides_who_comes_back_a_peer_seen_before_or_the_first_peer_of_a_lone_engine()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        foreach (var name in new[] { "b", "c", "d" })
        {
            net.Add(name, seed: name[0]);
        }

        // A lone engine's first peer catches it up at once; the others of the same view are new, not returning.
        a.SetPeers(["a", "b", "c"], net.Now);
        Assert.Equal(["b", "c"], a.LivePeers);
        Assert.Equal(net.Now, a.NextTickAt);
        a.Tick(net.Now);
        Assert.Equal("b", a.ActiveRoundPeer);
        net.Pump();
        Assert.True(a.NextTickAt > net.Now, "only the first peer got an immediate round");

        // A member never seen before joins: no immediate round. One that left and comes back: an immediate round.
        net.Now += 1_000;
        a.SetPeers(["b", "c", "d"], net.Now);
        Assert.True(a.NextTickAt > net.Now, "a new member is not returning");
        a.SetPeers(["b", "d"], net.Now);
        Assert.Equal(["b", "d"], a.LivePeers);
        net.Now += 1_000;
        a.SetPeers(["b", "c", "d"], net.Now);
        Assert.Equal(net.Now, a.NextTickAt);
        a.Tick(net.Now);
        Assert.Equal("c", a.ActiveRoundPeer);

        // Cut off alone, then anyone at all is the first peer again (every peer gone: a round with the first to return).
        net.Pump();
        a.SetPeers([], net.Now);
        Assert.Empty(a.LivePeers);
        net.Now += 1_000;
        a.PeerUp("d", net.Now);
        Assert.Equal(net.Now, a.NextTickAt);
    }

    [Fact]
    public void When_a_whole_side_comes_back_at_once_only_a_random_few_get_an_immediate_round()
    {
        // A healed partition brings 200 members back in one view change: MaxImmediateRounds rounds, with a random
        // sample that differs between nodes, not one round with each in view order.
        var firsts = new HashSet<string>(StringComparer.Ordinal);
        for (var seed = 1; seed <= 8; seed++)
        {
            var net = new SyncNet();
            var a = net.Add("a", seed: seed);
            var others = Enumerable.Range(0, 200).Select(i => $"m{i:D3}").ToList();
            foreach (var name in others)
            {
                net.Add(name, seed: 1000 + seed);
            }

            foreach (var name in others)
            {
                a.PeerUp(name, returning: true, net.Now);
            }

            var partners = new List<string>();
            for (var i = 0; i < 10 && a.NextTickAt <= net.Now; i++)
            {
                a.Tick(net.Now);
                partners.Add(a.ActiveRoundPeer!);
                net.Pump();
            }

            Assert.Equal(SyncEngine.MaxImmediateRounds, partners.Count);
            Assert.Equal(SyncEngine.MaxImmediateRounds, partners.Distinct().Count());
            Assert.Equal(SyncEngine.MaxImmediateRounds, a.Counters.RoundsCompleted);
            firsts.Add(partners[0]);
        }

        Assert.True(firsts.Count >= 4, $"the first partner differs between nodes: {string.Join(", ", firsts)}");
    }

    [Fact]
    public void Periodic_rounds_run_every_Interval_with_a_random_live_peer()
    {
        var options = SyncNet.Options() with { Interval = TimeSpan.FromSeconds(10) };
        var net = new SyncNet();
        var a = net.Add("a", options);
        net.Add("b", options, seed: 2);
        net.Add("c", options, seed: 3);
        a.PeerUp("b", false, net.Now);
        a.PeerUp("c", false, net.Now);

        var start = net.Now;
        var peers = new List<string>();
        while (net.Now < start + 200_000)
        {
            net.Now = a.NextTickAt!.Value;
            a.Tick(net.Now);
            if (a.ActiveRoundPeer is { } peer)
            {
                peers.Add(peer);
            }

            net.Pump();
        }

        Assert.InRange(a.Counters.RoundsStarted, 19, 21);
        Assert.Equal(a.Counters.RoundsStarted, a.Counters.RoundsCompleted);
        Assert.Contains("b", peers);
        Assert.Contains("c", peers);
    }

    [Fact]
    public void Reconciliation_longer_than_MaxRoundTrips_fails_with_round_trips()
    {
        var options = SyncNet.Options() with { MaxRoundTrips = 1 };
        var net = new SyncNet();
        var a = net.Add("a", options);
        var b = net.Add("b", options, seed: 2);
        net.Connect();
        var random = new Random(9);
        SyncNet.Fill(a, Enumerable.Range(0, 500).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(60_000))), net.Now);
        SyncNet.Fill(b, Enumerable.Range(0, 500).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(60_000))), net.Now);

        Assert.True(a.RequestRound("b", net.Now));
        net.Pump();

        Assert.Equal(1, a.Counters.Failures[SyncFailure.RoundTrips]);
        Assert.Null(a.ActiveRoundPeer);
    }

    [Fact]
    public void Recovered_messages_can_be_reloaded_into_a_restarted_engine()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        var random = new Random(1);
        SyncNet.Fill(a, Enumerable.Range(0, 20).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(60_000))), net.Now);
        var restarted = new SyncNet().Add("a");
        restarted.Load([.. a.Messages(), .. a.Messages().Take(3)], SyncNet.T0 - 5000, net.Now);

        Assert.Equal(a.Messages().Select(m => m.Id), restarted.Messages().Select(m => m.Id));
        Assert.Equal(a.Bytes, restarted.Bytes);
        Assert.Equal(SyncNet.T0 - 5000, restarted.JoinedUnixMilliseconds);
        Assert.All(a.Messages(), m => Assert.False(restarted.Accept(m.Id, m.Payload, net.Now)));
    }
}
