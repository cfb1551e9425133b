using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;
using NodeCheck = Plumtree.Node.HealthCheckResult;
using NodeStatus = Plumtree.Node.HealthStatus;

namespace Plumtree.Agent.Tests.Cli;

public sealed class CliCommandsTests
{
    private static FakeNode Cluster()
    {
        var node = new FakeNode { Name = "node-a", IsJoined = true, CacheSize = 5, Zone = "eu-1" };
        node.MemberList.Add(FakeNode.Member("node-a", "10.0.0.1:7946", MemberState.Alive, ("pt", "1"), ("zone", "eu-1")));
        node.MemberList.Add(FakeNode.Member("node-b", "10.0.0.2:7946", MemberState.Dead));
        node.Eager.Add("node-b");
        node.Lazy.Add("node-c");
        node.CrossZone.Add("node-c");
        return node;
    }

    [Fact]
    public async Task Members_prints_a_table_for_people_and_the_agents_json_for_scripts()
    {
        await using var agent = await TestAgent.StartAsync(Cluster());

        var human = await CliRunner.RunAsync(agent, "members");
        var script = await CliRunner.RunAsync(agent, "members", "--json");

        Assert.Equal(0, human.ExitCode);
        Assert.Contains("node-a", human.Out, StringComparison.Ordinal);
        Assert.Contains("10.0.0.2:7946", human.Out, StringComparison.Ordinal);
        Assert.Contains("dead", human.Out, StringComparison.Ordinal);
        Assert.Contains("pt=1", human.Out, StringComparison.Ordinal);
        Assert.Matches(@"alive\s*│\s*eu-1\s*│", human.Out);
        Assert.Equal(0, script.ExitCode);
        using var json = JsonDocument.Parse(script.Out);
        Assert.Equal(["node-a", "node-b"], json.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Peers_and_state_show_the_peer_sets_and_the_state_export()
    {
        await using var agent = await TestAgent.StartAsync(Cluster());

        var peers = await CliRunner.RunAsync(agent, "peers");
        var state = await CliRunner.RunAsync(agent, "state");
        var stateJson = await CliRunner.RunAsync(agent, "state", "--json");

        Assert.Equal(0, peers.ExitCode);
        Assert.Matches(@"eager\s+node-b", peers.Out);
        Assert.Matches(@"lazy\s+node-c", peers.Out);
        Assert.Matches(@"zone\s+eu-1", peers.Out);
        Assert.Matches(@"cross-zone\s+node-c", peers.Out);
        Assert.Equal(0, state.ExitCode);
        Assert.Matches(@"cache_size\s*│\s*5", state.Out);
        using var json = JsonDocument.Parse(stateJson.Out);
        Assert.Equal(5, json.RootElement.GetProperty("cache_size").GetInt32());
    }

    [Theory]
    [InlineData(NodeStatus.Healthy, 0)]
    [InlineData(NodeStatus.Degraded, 0)]
    [InlineData(NodeStatus.Unhealthy, 1)]
    public async Task Health_exits_1_only_when_the_agent_is_unhealthy(NodeStatus status, int exitCode)
    {
        var node = Cluster();
        node.Health = new NodeHealth(status, "because reasons", new Dictionary<string, NodeCheck>
        {
            ["eager_peers"] = new(status, "eager peers: 1", new Dictionary<string, object> { ["eager"] = 1 }),
        });
        await using var agent = await TestAgent.StartAsync(node);

        var human = await CliRunner.RunAsync(agent, "health");
        var script = await CliRunner.RunAsync(agent, "health", "--json");

        Assert.Equal(exitCode, human.ExitCode);
        Assert.Contains($"{status}: because reasons", human.Out, StringComparison.Ordinal);
        Assert.Contains("eager_peers", human.Out, StringComparison.Ordinal);
        Assert.Equal(exitCode, script.ExitCode);
        using var json = JsonDocument.Parse(script.Out);
        Assert.Equal(status.ToString(), json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_does_not_repeat_a_status_the_nodes_message_already_starts_with()
    {
        var node = Cluster();
        node.Health = new NodeHealth(NodeStatus.Healthy, "Healthy: 2 eager and 0 lazy peer(s), 3 alive member(s).", new Dictionary<string, NodeCheck>());
        await using var agent = await TestAgent.StartAsync(node);

        var human = await CliRunner.RunAsync(agent, "health");

        Assert.Equal(0, human.ExitCode);
        Assert.Equal("Healthy: 2 eager and 0 lazy peer(s), 3 alive member(s).", human.Out.Split('\n')[0].Trim());
    }

    [Fact]
    public async Task Broadcast_sends_text_a_file_or_stdin_as_the_payload()
    {
        var node = Cluster();
        await using var agent = await TestAgent.StartAsync(node);
        using var dir = new TempDir();
        var file = dir.File("payload.bin", "from a file");

        var text = await CliRunner.RunAsync(agent, "broadcast", "héllo");
        var fromFile = await CliRunner.RunAsync(agent, "broadcast", "--file", file);
        var fromStdin = await CliRunner.RunAsync(agent, ["broadcast", "--json"], stdin: [1, 2, 3]);

        Assert.Equal([0, 0, 0], new[] { text.ExitCode, fromFile.ExitCode, fromStdin.ExitCode });
        Assert.Equal("héllo", Encoding.UTF8.GetString(node.Broadcasts[0]));
        Assert.Equal("from a file", Encoding.UTF8.GetString(node.Broadcasts[1]));
        Assert.Equal([1, 2, 3], node.Broadcasts[2]);
        Assert.StartsWith("broadcast ", text.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(fromStdin.Out);
        Assert.Equal(32, json.RootElement.GetProperty("id").GetString()!.Length);
    }

    [Fact]
    public async Task Broadcast_with_nothing_to_send_or_two_sources_is_a_usage_error()
    {
        var node = Cluster();
        await using var agent = await TestAgent.StartAsync(node);

        var nothing = await CliRunner.RunAsync(agent, "broadcast");
        var both = await CliRunner.RunAsync(agent, "broadcast", "text", "--file", "/etc/hostname");
        var missing = await CliRunner.RunAsync(agent, "broadcast", "--file", "/nonexistent/payload");

        Assert.Equal(ExitCodes.Usage, nothing.ExitCode);
        Assert.Contains("nothing to broadcast", nothing.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Contains("--file", missing.Error, StringComparison.Ordinal);
        Assert.Empty(node.Broadcasts);
    }

    [Fact]
    public async Task Broadcast_refuses_an_empty_stdin_but_sends_an_explicit_empty_text()
    {
        var node = Cluster();
        await using var agent = await TestAgent.StartAsync(node);

        var emptyStdin = await CliRunner.RunAsync(agent, ["broadcast"], stdin: []);
        var emptyText = await CliRunner.RunAsync(agent, "broadcast", "");

        Assert.Equal(ExitCodes.Usage, emptyStdin.ExitCode);
        Assert.Contains("standard input was empty", emptyStdin.Error, StringComparison.Ordinal);
        Assert.Equal(0, emptyText.ExitCode);
        Assert.Empty(Assert.Single(node.Broadcasts));
    }

    [Fact]
    public async Task A_payload_the_agent_refuses_exits_1_with_its_error()
    {
        var node = Cluster();
        node.MaxMessageSize = 4;
        await using var agent = await TestAgent.StartAsync(node);

        var result = await CliRunner.RunAsync(agent, "broadcast", "too long");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("413", result.Error, StringComparison.Ordinal);
        Assert.Contains("maximum message size", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_passes_every_address_and_reports_failures_with_their_causes()
    {
        var node = Cluster();
        await using var agent = await TestAgent.StartAsync(node);

        var ok = await CliRunner.RunAsync(agent, "join", "10.0.0.7:7946", "10.0.0.8:7946");
        node.OnJoin = _ => throw new PlumtreeJoinException("no seed could be contacted", [new IOException("10.0.0.9:7946: timed out")]);
        var failed = await CliRunner.RunAsync(agent, "join", "10.0.0.9:7946");
        var none = await CliRunner.RunAsync(agent, "join");

        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("2 seed(s) contacted", ok.Out, StringComparison.Ordinal);
        Assert.Equal(["10.0.0.7:7946", "10.0.0.8:7946"], node.JoinCalls[^2].Select(e => e.ToString()));
        Assert.Equal(ExitCodes.Failure, failed.ExitCode);
        Assert.Contains("502", failed.Error, StringComparison.Ordinal);
        Assert.Contains("timed out", failed.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, none.ExitCode);
    }

    [Fact]
    public async Task A_join_failure_quoted_in_the_error_is_not_listed_again_as_a_detail()
    {
        var node = Cluster();
        node.OnJoin = _ => throw new PlumtreeJoinException("Could not join through any of 1 seed(s): 10.0.0.9:7946: refused", [new IOException("10.0.0.9:7946: refused")]);
        await using var agent = await TestAgent.StartAsync(node);

        var failed = await CliRunner.RunAsync(agent, "join", "10.0.0.9:7946");

        Assert.Equal(ExitCodes.Failure, failed.ExitCode);
        Assert.Equal(1, failed.Error.Split("10.0.0.9:7946: refused").Length - 1);
    }

    [Fact]
    public async Task Leave_rebalance_and_cache_clear_reach_the_node()
    {
        var node = Cluster();
        await using var agent = await TestAgent.StartAsync(node);

        var leave = await CliRunner.RunAsync(agent, "leave");
        var rebalance = await CliRunner.RunAsync(agent, "rebalance");
        var clear = await CliRunner.RunAsync(agent, "cache", "clear");

        Assert.Equal([0, 0, 0], new[] { leave.ExitCode, rebalance.ExitCode, clear.ExitCode });
        Assert.Single(node.LeaveCalls);
        Assert.Equal(1, node.RebalanceCalls);
        Assert.Equal(1, node.ClearCacheCalls);
        Assert.Contains("left the cluster; rejoin with 'plumtree join ADDR'", leave.Out, StringComparison.Ordinal);
        Assert.Contains("5 entries", clear.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_nobody_listens_for_is_exit_code_3()
    {
        var port = PortFinder.FreeTcpPort(IPAddress.Loopback);

        var result = await CliRunner.RunAsync(null, "members", "--http", $"127.0.0.1:{port}");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_never_answers_is_exit_code_3_after_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = await CliRunner.RunAsync(null, "health", "--http", $"http://127.0.0.1:{port}", "--timeout", "0.5");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains("no answer within 0.5 s", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--http", "not a url at all")]
    [InlineData("--timeout", "0")]
    [InlineData("--timeout", "soon")]
    public async Task Bad_client_options_are_usage_errors(string option, string value)
    {
        var result = await CliRunner.RunAsync(null, "members", option, value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task PLUMTREE_HTTP_sets_the_default_agent_address()
    {
        var port = PortFinder.FreeTcpPort(IPAddress.Loopback);

        var result = await CliRunner.RunAsync(null, ["members"], environment: new() { ["PLUMTREE_HTTP"] = $"127.0.0.1:{port}" });

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_verbs_and_flags_are_usage_errors()
    {
        Assert.Equal(ExitCodes.Usage, (await CliRunner.RunAsync(null, "frobnicate")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRunner.RunAsync(null, "members", "--colour")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliRunner.RunAsync(null)).ExitCode);
    }

    [Fact]
    public async Task Keygen_prints_a_base64_key_of_32_random_bytes()
    {
        var first = await CliRunner.RunAsync(null, "keygen");
        var second = await CliRunner.RunAsync(null, "keygen", "--json");

        Assert.Equal(0, first.ExitCode);
        var key = Convert.FromBase64String(first.Out.Trim());
        Assert.Equal(32, key.Length);
        using var json = JsonDocument.Parse(second.Out);
        var other = Convert.FromBase64String(json.RootElement.GetProperty("key").GetString()!);
        Assert.Equal(32, other.Length);
        Assert.NotEqual(key, other);
    }
}
