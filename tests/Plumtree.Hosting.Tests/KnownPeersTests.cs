using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Plumtree.Hosting;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Testing;

namespace Plumtree.Hosting.Tests;

/// <summary>The hosted service's use of the peer store: record alive members, join through them when the seeds fail.</summary>
public sealed class KnownPeersTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly FakeNode _node = new() { Name = "node-a", AdvertisedEndPoint = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 7946) };
    private readonly CountingTimeProvider _time = new();
    private readonly FakeLogger<PlumtreeHostedService> _logger = new();
    private readonly PlumtreeStartupState _state = new();
    private readonly InMemoryPeerStore _store = new();
    private readonly PeerStoreMetrics _metrics = Metrics();

    internal static PeerStoreMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), Options.Create(new PlumtreeNodeOptions { NodeName = "node-a" }));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PlumtreeHostedService Create(PlumtreeHostingOptions options, IPeerStore? store = null) =>
        new(_node, Options.Create(options), _state, store ?? _store, _metrics, _time, _logger);

    private static PlumtreeHostingOptions Options_(int limit, params string[] join) => new()
    {
        Join = join,
        KnownPeersJoinLimit = limit,
        JoinRetryInitialDelay = TimeSpan.FromSeconds(1),
        JoinRetryMaxDelay = TimeSpan.FromSeconds(4),
    };

    private static bool IsSeed(IReadOnlyList<IPEndPoint> addresses) => addresses.Any(a => a.ToString() == "10.0.0.250:7946");

    [Fact]
    public async Task When_no_seed_answers_the_round_joins_the_most_recently_seen_known_peers_within_the_limit()
    {
        await _store.RecordAsync(
        [
            TestPeers.Peer("node-old", "10.0.0.5:7946", 1),
            TestPeers.Peer("node-b", "10.0.0.2:7946", 5),
            TestPeers.Peer("node-a", "10.0.0.1:7946", 9), // this node itself
            TestPeers.Peer("node-c", "10.0.0.3:7946", 4),
        ], Ct);
        _node.OnJoin = seeds => IsSeed(seeds) ? throw new PlumtreeJoinException("no seed answered", [new IOException("connection refused")]) : 1;
        using var service = Create(Options_(2, "10.0.0.250:7946"));

        await service.StartAsync(Ct);

        Assert.Equal(ReadyReason.Joined, await _state.Ready.WaitAsync(Bound, Ct));
        Assert.Equal(2, _node.JoinCallCount);
        Assert.Equal(["10.0.0.2:7946", "10.0.0.3:7946"], _node.JoinCalls[1].Select(a => a.ToString()));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1016);
        Assert.Null(_state.LastJoinError);
    }

    [Fact]
    public async Task When_neither_seeds_nor_known_peers_answer_the_round_fails_naming_both_and_retries()
    {
        await _store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 5)], Ct);
        _node.OnJoin = seeds => throw new PlumtreeJoinException(IsSeed(seeds) ? "seed down" : "known down", []);
        using var service = Create(Options_(5, "10.0.0.250:7946"));

        await service.StartAsync(Ct);
        await Eventually.UntilAsync(() => _state.LastJoinError is not null && _time.TimersCreated == 1, Bound, "first round failed and waiting", Ct);

        Assert.Contains("seed down", _state.LastJoinError, StringComparison.Ordinal);
        Assert.Contains("known peers: known down", _state.LastJoinError, StringComparison.Ordinal);
        Assert.False(_state.Ready.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => _node.JoinCallCount == 4, Bound, "second round tries seeds and known peers again", Ct);
        await service.StopAsync(Ct);
    }

    [Fact]
    public async Task A_node_without_seeds_joins_its_known_peers_once_at_start()
    {
        await _store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 5)], Ct);
        using var service = Create(Options_(5));

        await service.StartAsync(Ct);

        Assert.Equal(ReadyReason.Joined, await _state.Ready.WaitAsync(Bound, Ct));
        Assert.Equal(["10.0.0.2:7946"], Assert.Single(_node.JoinCalls).Select(a => a.ToString()));
    }

    [Fact]
    public async Task A_node_without_seeds_whose_known_peers_are_gone_runs_as_a_lone_seed()
    {
        await _store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 5)], Ct);
        _node.OnJoin = _ => throw new PlumtreeJoinException("no seed answered", []);
        using var service = Create(Options_(5));

        await service.StartAsync(Ct);

        Assert.Equal(ReadyReason.LoneSeed, await _state.Ready.WaitAsync(Bound, Ct));
        Assert.Single(_node.JoinCalls);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1017);
    }

    [Fact]
    public async Task A_limit_of_0_never_reads_the_store()
    {
        var store = new FailingStore();
        _node.OnJoin = _ => throw new PlumtreeJoinException("no seed answered", []);
        using var service = Create(Options_(0, "10.0.0.250:7946"), store);

        await service.StartAsync(Ct);
        await Eventually.UntilAsync(() => _state.LastJoinError is not null, Bound, "first round failed", Ct);
        await service.StopAsync(Ct);

        Assert.Equal(0, store.Reads);
    }

    [Fact]
    public async Task An_unreadable_store_is_counted_and_logged_and_the_seeds_are_still_retried()
    {
        var store = new FailingStore();
        _node.OnJoin = _ => throw new PlumtreeJoinException("no seed answered", []);
        using var service = Create(Options_(5, "10.0.0.250:7946"), store);

        await service.StartAsync(Ct);
        await Eventually.UntilAsync(() => _state.LastJoinError is not null && _time.TimersCreated == 1, Bound, "first round failed", Ct);
        await service.StopAsync(Ct);

        Assert.Equal(1, _metrics.Count);
        Assert.Contains("known peers unreadable: disk on fire", _state.LastJoinError, StringComparison.Ordinal);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1014);
    }

    [Fact]
    public async Task The_recorder_stores_alive_members_but_not_the_node_itself_nor_dead_or_left_ones()
    {
        _node.MemberList.Add(FakeNode.Member("node-a", "10.0.0.1:7946", MemberState.Alive));
        _node.MemberList.Add(FakeNode.Member("node-b", "10.0.0.2:7946", MemberState.Alive));
        _node.MemberList.Add(FakeNode.Member("node-c", "10.0.0.3:7946", MemberState.Dead));
        _node.MemberList.Add(FakeNode.Member("node-d", "10.0.0.4:7946", MemberState.Left));
        _node.MemberList.Add(FakeNode.Member("node-e", "10.0.0.5:7946", MemberState.Suspect));
        var recorder = new KnownPeersRecorder(_node, _store, Options.Create(new PlumtreeHostingOptions()), _metrics, _time, new FakeLogger<KnownPeersRecorder>());

        var recorded = await recorder.RecordAsync(Ct);

        Assert.Equal(1, recorded);
        var peer = Assert.Single(await _store.GetRecentAsync(10, Ct));
        Assert.Equal(("node-b", "10.0.0.2:7946", _time.GetUtcNow()), (peer.Name, peer.Address.ToString(), peer.LastSeen));
    }

    [Fact]
    public async Task The_recorder_records_every_interval_while_the_host_runs_and_once_more_on_stop()
    {
        _node.MemberList.Add(FakeNode.Member("node-b", "10.0.0.2:7946", MemberState.Alive));
        _state.MarkStarted();
        var recorder = new KnownPeersRecorder(_node, _store, Options.Create(new PlumtreeHostingOptions { KnownPeersRecordInterval = TimeSpan.FromSeconds(10) }), _metrics, _time, new FakeLogger<KnownPeersRecorder>());
        using var service = new KnownPeersRecorderService(recorder, _state);

        await service.StartAsync(Ct);
        await Eventually.UntilAsync(() => _time.TimersCreated == 1, Bound, "the interval timer waits", Ct);
        Assert.Empty(await _store.GetRecentAsync(10, Ct));
        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.UntilAsync(async () => await _store.GetRecentAsync(10, Ct), p => p.Count == 1, Bound, "recorded after one interval", Ct);

        _node.MemberList.Add(FakeNode.Member("node-c", "10.0.0.3:7946", MemberState.Alive));
        _time.Advance(TimeSpan.FromSeconds(3));
        await service.StopAsync(Ct);

        var peers = await _store.GetRecentAsync(10, Ct);
        Assert.Equal(["node-b", "node-c"], peers.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(peers, p => Assert.Equal(_time.GetUtcNow(), p.LastSeen));
    }

    [Fact]
    public async Task A_store_that_fails_to_write_is_counted_each_time_but_logged_once_per_run_of_failures()
    {
        _node.MemberList.Add(FakeNode.Member("node-b", "10.0.0.2:7946", MemberState.Alive));
        var logger = new FakeLogger<KnownPeersRecorder>();
        var recorder = new KnownPeersRecorder(_node, new FailingStore(), Options.Create(new PlumtreeHostingOptions()), _metrics, _time, logger);

        Assert.Equal(0, await recorder.RecordAsync(Ct));
        Assert.Equal(0, await recorder.RecordAsync(Ct));

        Assert.Equal(2, _metrics.Count);
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 1012);
    }

    private sealed class FailingStore : IPeerStore
    {
        public int Reads { get; private set; }

        public ValueTask RecordAsync(IReadOnlyCollection<KnownPeer> peers, CancellationToken cancellationToken) =>
            throw new PeerStoreException("disk on fire");

        public ValueTask<IReadOnlyList<KnownPeer>> GetRecentAsync(int limit, CancellationToken cancellationToken)
        {
            Reads++;
            throw new PeerStoreException("disk on fire");
        }
    }
}
