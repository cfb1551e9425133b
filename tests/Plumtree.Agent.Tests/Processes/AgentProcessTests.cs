using System.Net;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;
using NodeCheck = Plumtree.Node.HealthCheckResult;
using NodeStatus = Plumtree.Node.HealthStatus;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>The real <c>dotnet plumtree.dll</c>: configuration errors, and the CLI against an agent served on loopback.</summary>
public sealed class AgentProcessTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Agent(params string[] args) => ["agent", "--config", _dir.File("plumtree.json", "{}"), "--data-dir", _dir.Combine("data"), .. args];

    [Theory]
    [InlineData("--profile", "bogus", "Plumtree:Profile")]
    [InlineData("--compat", "consul", "Plumtree:Compatibility")]
    [InlineData("--bind", "0.0.0.0:notaport", "--bind")]
    [InlineData("--http", "everywhere", "Plumtree:Http")]
    [InlineData("--encrypt", "c2hvcnQ=", "Plumtree:EncryptionKeys:0")]
    [InlineData("--join", "10.0.0.1:70000", "Plumtree:Join:0")]
    public async Task A_bad_flag_exits_2_naming_the_key(string flag, string value, string key)
    {
        var (code, _, stderr) = await AgentProcess.RunAsync(Agent(flag, value));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(key, stderr, StringComparison.Ordinal);
        if (flag == "--encrypt")
        {
            // A key, even a bad one, is never echoed.
            Assert.DoesNotContain(value, stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(value, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_bad_environment_variable_exits_2_naming_the_key()
    {
        var (code, _, stderr) = await AgentProcess.RunAsync(Agent(), new Dictionary<string, string> { ["PLUMTREE_BIND_PORT"] = "lots" });

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Plumtree:BindPort", stderr, StringComparison.Ordinal);
        Assert.Contains("PLUMTREE_BIND_PORT", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_config_file_value_exits_2_naming_the_key()
    {
        var file = _dir.File("bad.json", """{"Plumtree":{"HandlerQueueCapacity":-3}}""");

        var (code, _, stderr) = await AgentProcess.RunAsync(["agent", "--config", file]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Plumtree:HandlerQueueCapacity", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_explicit_config_file_exits_2_naming_it()
    {
        var missing = _dir.Combine("missing.json");

        var (code, _, stderr) = await AgentProcess.RunAsync(["agent", "--config", missing]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_dir_that_is_not_writable_exits_2_naming_the_key()
    {
        // Not writable even for root: /proc/self exists but takes no new files.
        var (code, _, stderr) = await AgentProcess.RunAsync(["agent", "--config", _dir.File("plumtree.json", "{}"), "--data-dir", "/proc/self"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Plumtree:DataDir: '/proc/self' is not writable (creating a file in it failed", stderr, StringComparison.Ordinal);
        Assert.Contains("--data-dir", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_dir_that_cannot_be_created_exits_2_naming_the_key()
    {
        var underAFile = Path.Combine(_dir.File("a-file", "x"), "data");

        var (code, _, stderr) = await AgentProcess.RunAsync(["agent", "--config", _dir.File("plumtree.json", "{}"), "--data-dir", underAFile]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"Plumtree:DataDir: '{underAFile}' cannot be created", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_exits_2()
    {
        var (code, _, stderr) = await AgentProcess.RunAsync(["agent", "--no-such-flag"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--no-such-flag", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keygen_output_decodes_to_32_bytes()
    {
        var (code, stdout, _) = await AgentProcess.RunAsync(["keygen"]);

        Assert.Equal(0, code);
        Assert.Equal(32, Convert.FromBase64String(stdout.Trim()).Length);
    }

    [Fact]
    public async Task Help_lists_every_verb()
    {
        var (code, stdout, _) = await AgentProcess.RunAsync(["--help"]);

        Assert.Equal(0, code);
        foreach (var verb in new[] { "agent", "members", "peers", "broadcast", "join", "leave", "rebalance", "cache", "state", "health", "keygen", "demo" })
        {
            Assert.Contains("  " + verb, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_cli_process_talks_to_an_agent_over_loopback()
    {
        var node = new FakeNode { Name = "node-a", IsJoined = true };
        node.MemberList.Add(FakeNode.Member("node-a", "127.0.0.1:7946", MemberState.Alive, ("pt", "1")));
        node.MemberList.Add(FakeNode.Member("node-b", "127.0.0.2:7946", MemberState.Alive, ("pt", "1")));
        await using var agent = await TestAgent.StartAsync(node, kestrel: true);

        var members = await AgentProcess.RunAsync(["members", "--http", agent.HttpAddress, "--json"]);
        var broadcast = await AgentProcess.RunAsync(["broadcast", "--http", $"http://{agent.HttpAddress}/"], stdin: "piped payload");
        var table = await AgentProcess.RunAsync(["members", "--http", agent.HttpAddress]);

        Assert.Equal(0, members.ExitCode);
        using var json = JsonDocument.Parse(members.Stdout);
        Assert.Equal(["node-a", "node-b"], json.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(0, broadcast.ExitCode);
        Assert.Equal("piped payload", System.Text.Encoding.UTF8.GetString(Assert.Single(node.Broadcasts)));
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("node-b", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_piped_to_another_program_is_not_wrapped_at_80_columns()
    {
        var reason = "No Plumtree peers: the node is isolated and cannot deliver broadcasts (check connectivity to the seeds, then leave and join again).";
        var node = new FakeNode { Health = new NodeHealth(NodeStatus.Unhealthy, reason, new Dictionary<string, NodeCheck>()) };
        await using var agent = await TestAgent.StartAsync(node, kestrel: true);

        var health = await AgentProcess.RunAsync(["health", "--http", agent.HttpAddress]);

        Assert.Equal(ExitCodes.Failure, health.ExitCode);
        Assert.Contains("Unhealthy: " + reason + "\n", health.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_verb_exits_1_for_an_unhealthy_agent_and_3_for_an_absent_one()
    {
        var node = new FakeNode { Health = new NodeHealth(NodeStatus.Unhealthy, "isolated: no peers", new Dictionary<string, NodeCheck>()) };
        await using var agent = await TestAgent.StartAsync(node, kestrel: true);
        var closed = PortFinder.FreeTcpPort(IPAddress.Loopback);

        var unhealthy = await AgentProcess.RunAsync(["health", "--http", agent.HttpAddress]);
        var absent = await AgentProcess.RunAsync(["health", "--http", $"127.0.0.1:{closed}"]);

        Assert.Equal(ExitCodes.Failure, unhealthy.ExitCode);
        Assert.Contains("isolated: no peers", unhealthy.Stdout, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unreachable, absent.ExitCode);
    }
}
