using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Cli;

/// <summary>The CLI sends the admin token: from --token-file, PLUMTREE_HTTP_TOKEN(_FILE), or the agent's config file.</summary>
public sealed class CliTokenTests : IDisposable
{
    private const string Token = "s3cret-token-0123456789abcdef";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Task<TestAgent> AgentWithTokenAsync(FakeNode node) => TestAgent.StartAsync(node, new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["Plumtree:HttpToken"] = Token,
    });

    private static FakeNode Joined() => new() { Name = "node-a", IsJoined = true };

    [Fact]
    public async Task Without_a_token_a_protected_verb_fails_and_says_how_to_give_one()
    {
        var node = Joined();
        await using var agent = await AgentWithTokenAsync(node);

        var result = await CliRunner.RunAsync(agent, "leave", "--config", _dir.File("plumtree.json", "{}"));

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("the agent answered 401", result.Error, StringComparison.Ordinal);
        Assert.Contains("no token was sent: give --token-file FILE or set PLUMTREE_HTTP_TOKEN", result.Error, StringComparison.Ordinal);
        Assert.True(node.IsJoined);
    }

    [Fact]
    public async Task Reads_need_no_token_by_default()
    {
        await using var agent = await AgentWithTokenAsync(Joined());

        var result = await CliRunner.RunAsync(agent, "members", "--config", _dir.File("plumtree.json", "{}"));

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task The_token_file_flag_is_sent()
    {
        var node = Joined();
        await using var agent = await AgentWithTokenAsync(node);

        var result = await CliRunner.RunAsync(agent, "leave", "--token-file", _dir.File("token", Token + "\n"));

        Assert.Equal(0, result.ExitCode);
        Assert.False(node.IsJoined);
    }

    [Fact]
    public async Task The_environment_token_is_sent()
    {
        var node = Joined();
        await using var agent = await AgentWithTokenAsync(node);

        var result = await CliRunner.RunAsync(agent, ["rebalance"], environment: new() { ["PLUMTREE_HTTP_TOKEN"] = Token });
        var viaFile = await CliRunner.RunAsync(agent, ["leave"], environment: new() { ["PLUMTREE_HTTP_TOKEN_FILE"] = _dir.File("token", Token) });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0, viaFile.ExitCode);
        Assert.False(node.IsJoined);
    }

    [Fact]
    public async Task The_agents_config_file_gives_the_token()
    {
        var node = Joined();
        await using var agent = await AgentWithTokenAsync(node);
        var tokenFile = _dir.File("token", Token);
        var config = _dir.File("agent.json", $$$"""{"Plumtree":{"HttpTokenFile":"{{{tokenFile}}}"}}""");

        var byFlag = await CliRunner.RunAsync(agent, "rebalance", "--config", config);
        var byEnv = await CliRunner.RunAsync(agent, ["leave"], environment: new() { ["PLUMTREE_CONFIG"] = config });

        Assert.Equal(0, byFlag.ExitCode);
        Assert.Equal(0, byEnv.ExitCode);
        Assert.False(node.IsJoined);
    }

    [Fact]
    public async Task A_wrong_token_is_reported_with_where_it_came_from()
    {
        await using var agent = await AgentWithTokenAsync(Joined());

        var result = await CliRunner.RunAsync(agent, ["leave"], environment: new() { ["PLUMTREE_HTTP_TOKEN"] = "not-the-token-0123456789" });

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("the token sent (from PLUMTREE_HTTP_TOKEN) is not the agent's", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_token_file_flag_is_a_usage_error()
    {
        var result = await CliRunner.RunAsync(null, "leave", "--token-file", _dir.Combine("missing"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--token-file: cannot read", result.Error, StringComparison.Ordinal);
    }
}
