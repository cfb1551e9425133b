using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Plumtree.Hosting;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Testing;

namespace Plumtree.Hosting.Tests;

public sealed class PlumtreeHostedServiceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly FakeNode _node = new() { AdvertisedEndPoint = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 7946) };
    private readonly CountingTimeProvider _time = new();
    private readonly FakeLogger<PlumtreeHostedService> _logger = new();
    private readonly PlumtreeStartupState _state = new();

    private PlumtreeHostedService Create(PlumtreeHostingOptions options) => new(_node, Options.Create(options), _state, new InMemoryPeerStore(), KnownPeersTests.Metrics(), _time, _logger);

    private static PlumtreeHostingOptions Seeds(params string[] join) => new()
    {
        Join = join,
        JoinRetryInitialDelay = TimeSpan.FromSeconds(1),
        JoinRetryMaxDelay = TimeSpan.FromSeconds(4),
        JoinReadyTimeout = TimeSpan.FromSeconds(30),
        LeaveTimeout = TimeSpan.FromSeconds(7),
    };

    private int Failures => _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 1004);

    [Fact]
    public async Task With_no_seeds_the_node_starts_as_a_lone_seed_and_is_ready_at_once()
    {
        using var service = Create(Seeds());
        await service.StartAsync(TestContext.Current.CancellationToken);
        await service.StartedAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _node.StartCalls);
        Assert.True(_state.Started);
        Assert.Equal(ReadyReason.LoneSeed, await _state.Ready);
        Assert.Empty(_node.JoinCalls);
    }

    [Fact]
    public async Task Seeds_that_are_only_the_node_itself_make_it_a_lone_seed()
    {
        using var service = Create(Seeds("10.0.0.1:7946"));
        await service.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ReadyReason.LoneSeed, await _state.Ready.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Empty(_node.JoinCalls);
    }

    [Fact]
    public async Task The_first_round_that_reaches_a_seed_joins_and_makes_the_host_ready()
    {
        using var service = Create(Seeds("10.0.0.2:7946", "10.0.0.3"));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await service.StartedAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ReadyReason.Joined, await _state.Ready);
        var seeds = Assert.Single(_node.JoinCalls);
        Assert.Equal(["10.0.0.2:7946", "10.0.0.3:7946"], seeds.Select(s => s.ToString()));
    }

    [Fact]
    public async Task Join_rounds_back_off_exponentially_and_log_each_failure_until_a_seed_answers()
    {
        var failuresLeft = 4;
        _node.OnJoin = _ => failuresLeft-- > 0
            ? throw new PlumtreeJoinException("no seed answered", [new IOException("connection refused")])
            : 1;
        using var service = Create(Seeds("10.0.0.2:7946"));
        await service.StartAsync(TestContext.Current.CancellationToken);

        for (var round = 1; round <= 4; round++)
        {
            var expected = round;
            await Eventually.UntilAsync(() => Failures == expected && _time.TimersCreated == expected, Bound, $"failure {expected} logged and its delay waiting", TestContext.Current.CancellationToken);
            Assert.False(_state.Ready.IsCompleted);
            _time.Advance(TimeSpan.FromSeconds(Math.Min(Math.Pow(2, round - 1), 4)));
        }

        Assert.Equal(ReadyReason.Joined, await _state.Ready.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal(5, _node.JoinCallCount);

        var failures = _logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1004).ToList();
        Assert.Equal(["00:00:01", "00:00:02", "00:00:04", "00:00:04"], failures.Select(r => r.GetStructuredStateValue("Delay")));
        Assert.All(failures, r => Assert.Contains("connection refused", r.Message, StringComparison.Ordinal));
        Assert.Null(_state.LastJoinError);
    }

    [Fact]
    public async Task Start_reports_ready_after_the_ready_timeout_and_keeps_trying_in_the_background()
    {
        _node.OnJoin = _ => throw new PlumtreeJoinException("no seed answered", []);
        var options = Seeds("10.0.0.2:7946");
        options.JoinReadyTimeout = TimeSpan.FromSeconds(5);
        using var service = Create(options);
        await service.StartAsync(TestContext.Current.CancellationToken);
        var started = service.StartedAsync(TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => Failures == 1 && _time.TimersCreated == 2, Bound, "first failure and both timers waiting", TestContext.Current.CancellationToken);

        Assert.False(started.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        await started.WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(ReadyReason.JoinTimedOut, await _state.Ready);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1005);
        // The 1 s retry fell inside those 5 s; its failure scheduled the next round 2 s later.
        await Eventually.UntilAsync(() => _node.JoinCallCount == 2 && _time.TimersCreated == 3, Bound, "second round failed and third waiting", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(() => _node.JoinCallCount == 3, Bound, "a third join round after ready", TestContext.Current.CancellationToken);
        Assert.NotNull(_state.LastJoinError);
    }

    [Fact]
    public async Task Stop_leaves_gracefully_with_the_configured_timeout_when_joined()
    {
        using var service = Create(Seeds("10.0.0.2:7946"));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await _state.Ready.WaitAsync(Bound, TestContext.Current.CancellationToken);

        await service.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal([TimeSpan.FromSeconds(7)], _node.LeaveCalls);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 1007);
    }

    [Fact]
    public async Task Stop_does_not_leave_a_cluster_the_node_never_joined_and_ends_the_join_rounds()
    {
        _node.OnJoin = _ => throw new PlumtreeJoinException("no seed answered", []);
        using var service = Create(Seeds("10.0.0.2:7946"));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => Failures == 1, Bound, "first failure", TestContext.Current.CancellationToken);

        await service.StopAsync(TestContext.Current.CancellationToken);
        var rounds = _node.JoinCallCount;
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Empty(_node.LeaveCalls);
        Assert.Equal(rounds, _node.JoinCallCount);
    }

    [Fact]
    public async Task A_node_that_left_through_the_api_is_not_asked_to_leave_again_on_stop()
    {
        using var service = Create(Seeds("10.0.0.2:7946"));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await _state.Ready.WaitAsync(Bound, TestContext.Current.CancellationToken);
        await _node.LeaveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        await service.StopAsync(TestContext.Current.CancellationToken);

        Assert.Single(_node.LeaveCalls);
    }

    [Fact]
    public async Task An_unresolvable_seed_name_is_a_failed_round_not_a_crash()
    {
        using var service = Create(Seeds("no-such-host.invalid:7946"));
        await service.StartAsync(TestContext.Current.CancellationToken);

        await Eventually.UntilAsync(() => Failures == 1, Bound, "failure logged", TestContext.Current.CancellationToken);
        Assert.Empty(_node.JoinCalls);
        Assert.Contains("no-such-host.invalid", _state.LastJoinError, StringComparison.Ordinal);
        await service.StopAsync(TestContext.Current.CancellationToken);
    }
}
