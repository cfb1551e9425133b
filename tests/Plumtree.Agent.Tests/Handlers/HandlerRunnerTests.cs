using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Handlers;
using Plumtree.Agent.Tests.Support;
using Plumtree.Node;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Handlers;

public sealed class HandlerRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeLogger<HandlerRunner> _logger = new();

    public void Dispose()
    {
        _services.Dispose();
        _dir.Dispose();
    }

    private HandlerRunner Runner(string command, TimeSpan? timeout = null, int capacity = 16, string? dataDir = null) => new(
        new AgentSettings { Handler = command, HandlerTimeout = timeout ?? TimeSpan.FromSeconds(30), HandlerQueueCapacity = capacity, DataDir = dataDir ?? _dir.Combine("data") },
        () => "node-x",
        _services.GetRequiredService<IMeterFactory>(),
        _logger);

    private static ReceivedMessage Message(ulong n, string payload, int hops = 2) =>
        new(new MessageId(0x0190_0000_0000_0000UL, n), Encoding.UTF8.GetBytes(payload), hops, "node-b", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task The_handler_gets_the_payload_on_stdin_and_id_hops_and_node_in_its_environment()
    {
        var output = _dir.Combine("out");
        var runner = Runner($"cat > '{output}.payload'; printf '%s\\n%s\\n%s' \"$PLUMTREE_MESSAGE_ID\" \"$PLUMTREE_MESSAGE_HOPS\" \"$PLUMTREE_NODE\" > '{output}.env'");
        var message = Message(42, "hello, handler\nsecond line", hops: 3);

        var result = await runner.RunOnceAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal("ok", result);
        Assert.Equal("hello, handler\nsecond line", await File.ReadAllTextAsync(output + ".payload", TestContext.Current.CancellationToken));
        Assert.Equal([message.Id.ToString(), "3", "node-x"], await File.ReadAllLinesAsync(output + ".env", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Runs_a_crash_cut_short_are_run_again_at_the_next_start_and_finished_ones_are_not()
    {
        var data = _dir.Combine("journal");
        var output = _dir.Combine("runs");
        var ct = TestContext.Current.CancellationToken;

        // A first agent queues three deliveries and "crashes" (never runs them): the journal keeps them.
        using (var crashed = Runner($"echo \"$PLUMTREE_MESSAGE_ID\" >> '{output}'", dataDir: data))
        {
            Assert.True(crashed.TryEnqueue(Message(1, "one")));
            Assert.True(crashed.TryEnqueue(Message(2, "two")));
            Assert.True(crashed.TryEnqueue(Message(3, "three")));
        }

        // The next start runs them, oldest first, before a new delivery; then a third start has nothing left to run.
        using (var restarted = Runner($"echo \"$PLUMTREE_MESSAGE_ID\" >> '{output}'", dataDir: data))
        {
            Assert.True(restarted.TryEnqueue(Message(4, "four")));
            await restarted.StartAsync(ct);
            await Eventually.UntilAsync(() => Task.FromResult(restarted.Completed), n => n == 4, TimeSpan.FromSeconds(30), "the four runs finish", ct);
            await restarted.StopAsync(ct);
        }

        Assert.Equal([1UL, 2UL, 3UL, 4UL], (await File.ReadAllLinesAsync(output, ct)).Select(l => MessageId.Parse(l).Low));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 2016 && r.Message.Contains("3 deliveries", StringComparison.Ordinal));

        using (var third = Runner($"echo \"$PLUMTREE_MESSAGE_ID\" >> '{output}'", dataDir: data))
        {
            await third.StartAsync(ct);
            await third.StopAsync(ct);
            Assert.Equal(0, third.Completed);
        }

        Assert.Equal(4, (await File.ReadAllLinesAsync(output, ct)).Length);
    }

    [Fact]
    public async Task A_large_payload_reaches_the_handler_whole()
    {
        var output = _dir.Combine("big");
        var payload = new string('x', 1 << 20);
        var runner = Runner($"cat > '{output}'");

        Assert.Equal("ok", await runner.RunOnceAsync(Message(1, payload), TestContext.Current.CancellationToken));
        Assert.Equal(1 << 20, new FileInfo(output).Length);
    }

    [Fact]
    public async Task A_handler_that_ignores_stdin_still_runs_to_completion()
    {
        var runner = Runner("exit 0");

        Assert.Equal("ok", await runner.RunOnceAsync(Message(1, new string('y', 1 << 20)), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_failing_handler_is_logged_with_its_exit_code_and_stderr()
    {
        var runner = Runner("echo 'cannot apply' >&2; exit 3");

        Assert.Equal("failed", await runner.RunOnceAsync(Message(1, "p"), TestContext.Current.CancellationToken));
        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 2002);
        Assert.Contains("3", log.Message, StringComparison.Ordinal);
        Assert.Contains("cannot apply", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_running_past_its_timeout_is_killed_and_logged()
    {
        var marker = _dir.Combine("late");
        var runner = Runner($"sleep 30; touch '{marker}'", timeout: TimeSpan.FromMilliseconds(300));

        Assert.Equal("timeout", await runner.RunOnceAsync(Message(1, "p"), TestContext.Current.CancellationToken));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 2003);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Deliveries_are_handled_one_at_a_time_in_delivery_order()
    {
        var output = _dir.Combine("order");
        var runner = Runner($"echo start-$(cat) >> '{output}'; echo end >> '{output}'");
        await runner.StartAsync(TestContext.Current.CancellationToken);
        for (var i = 1; i <= 6; i++)
        {
            Assert.True(runner.TryEnqueue(Message((ulong)i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        await Eventually.UntilAsync(() => runner.Completed == 6, TimeSpan.FromSeconds(30), "six handler runs", TestContext.Current.CancellationToken);
        await runner.StopAsync(TestContext.Current.CancellationToken);

        var lines = await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(1, 6).SelectMany(i => new[] { $"start-{i}", "end" }), lines);
    }

    [Fact]
    public async Task A_stop_runs_the_deliveries_still_queued_and_lets_the_run_in_progress_finish()
    {
        // The node records a delivery when it hands it over: one still queued here when the agent stops would never be
        // handed to the handler again (not after a restart either).
        var output = _dir.Combine("drained");
        var runner = Runner($"sleep 0.5; echo \"$PLUMTREE_MESSAGE_ID\" >> '{output}'");
        await runner.StartAsync(TestContext.Current.CancellationToken);
        var ids = Enumerable.Range(1, 5).Select(i => Message((ulong)i, "x")).ToList();
        foreach (var message in ids)
        {
            Assert.True(runner.TryEnqueue(message));
        }

        // Stop once the runner is running (a stop before ExecuteAsync started would never run it at all).
        await Eventually.UntilAsync(() => runner.Completed >= 1, TimeSpan.FromSeconds(30), "the first handler run", TestContext.Current.CancellationToken);
        Assert.True(runner.Completed < 5, "the queue still holds deliveries when the stop comes");
        await runner.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(5, runner.Completed);
        Assert.Equal(ids.Select(m => m.Id.ToString()), await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void When_the_queue_is_full_deliveries_are_dropped_counted_and_logged()
    {
        var runner = Runner("true", capacity: 2);

        // Not started: nothing drains the queue.
        Assert.True(runner.TryEnqueue(Message(1, "a")));
        Assert.True(runner.TryEnqueue(Message(2, "b")));
        Assert.False(runner.TryEnqueue(Message(3, "c")));
        Assert.False(runner.TryEnqueue(Message(4, "d")));

        Assert.Equal(2, runner.Dropped);
        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 2001);
        Assert.Contains(new MessageId(0x0190_0000_0000_0000UL, 3).ToString(), log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_handler_nothing_is_queued()
    {
        var runner = new HandlerRunner(new AgentSettings(), () => "n", _services.GetRequiredService<IMeterFactory>(), _logger);

        Assert.False(runner.TryEnqueue(Message(1, "a")));
        Assert.Equal(0, runner.Dropped);
    }
}
