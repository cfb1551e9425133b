using Plumtree.Agent.Cli;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Tests.Cli;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Configuration;

/// <summary>The admin API's protection keys: checked at start, before anything binds a socket.</summary>
public sealed class AdminAccessConfigTests : IDisposable
{
    private const string Token = "s3cret-token-0123456789abcdef";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private AgentConfiguration Load(AgentFlags? flags = null, Dictionary<string, string>? env = null, string json = "{}") =>
        AgentConfiguration.Load((flags ?? new AgentFlags()) with { ConfigFile = _dir.File("plumtree.json", json) }, env ?? new Dictionary<string, string>());

    private AgentConfigException Fails(AgentFlags? flags = null, Dictionary<string, string>? env = null, string json = "{}") =>
        Assert.Throws<AgentConfigException>(() => Load(flags, env, json));

    [Fact]
    public void Loopback_without_a_token_is_the_default_and_needs_nothing()
    {
        var settings = Load().Settings;

        Assert.Null(settings.Token);
        Assert.Equal(HttpTokenScope.Writes, settings.HttpTokenScope);
        Assert.Empty(settings.HttpAllowedHosts);
    }

    [Theory]
    [InlineData("0.0.0.0:8080")]
    [InlineData("10.0.1.11:8080")]
    [InlineData("[::]:8080")]
    public void A_non_loopback_address_without_a_token_is_refused_naming_the_keys(string http)
    {
        var error = Assert.Single(Fails(new AgentFlags { Http = http }).Errors);

        Assert.StartsWith("Plumtree:Http: ", error, StringComparison.Ordinal);
        Assert.Contains("not a loopback address", error, StringComparison.Ordinal);
        Assert.Contains("Plumtree:HttpTokenFile", error, StringComparison.Ordinal);
        Assert.Contains("--http-insecure", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_insecure_lets_it_start_without_a_token()
    {
        var byFlag = Load(new AgentFlags { Http = "0.0.0.0:8080", HttpInsecure = true }).Settings;
        var byEnv = Load(new AgentFlags { Http = "0.0.0.0:8080" }, new() { ["PLUMTREE_HTTP_INSECURE"] = "true" }).Settings;

        Assert.True(byFlag.HttpInsecure);
        Assert.Null(byFlag.Token);
        Assert.True(byEnv.HttpInsecure);
    }

    [Fact]
    public void The_dashboard_is_on_by_default_and_off_with_no_ui_or_the_key()
    {
        Assert.True(Load().Settings.HttpUi);
        Assert.False(Load(new AgentFlags { NoUi = true }).Settings.HttpUi);
        Assert.False(Load(env: new() { ["PLUMTREE_HTTP_UI"] = "false" }).Settings.HttpUi);
        Assert.False(Load(json: """{"Plumtree":{"HttpUi":false}}""").Settings.HttpUi);
        Assert.False(Load(new AgentFlags { NoUi = true }, json: """{"Plumtree":{"HttpUi":true}}""").Settings.HttpUi);

        var error = Assert.Single(Fails(env: new() { ["PLUMTREE_HTTP_UI"] = "off" }).Errors);
        Assert.Equal("Plumtree:HttpUi: 'off' is not true or false (flag --no-ui, env PLUMTREE_HTTP_UI)", error);
    }

    [Fact]
    public void A_token_file_is_read_and_trimmed()
    {
        var file = _dir.File("token", Token + "\n");

        var settings = Load(new AgentFlags { Http = "0.0.0.0:8080" }, json: $$$"""{"Plumtree":{"HttpTokenFile":"{{{file}}}"}}""").Settings;

        Assert.Equal(Token, settings.Token);
        Assert.Equal(file, settings.HttpTokenFile);
    }

    [Fact]
    public void The_token_comes_from_the_environment_too()
    {
        var file = _dir.File("token", Token);

        var direct = Load(new AgentFlags { Http = "0.0.0.0:8080" }, new() { ["PLUMTREE_HTTP_TOKEN"] = Token }).Settings;
        var viaFile = Load(new AgentFlags { Http = "0.0.0.0:8080" }, new() { ["PLUMTREE_HTTP_TOKEN_FILE"] = file }).Settings;

        Assert.Equal(Token, direct.Token);
        Assert.Equal(Token, viaFile.Token);
    }

    [Fact]
    public void Require_token_on_loopback_without_one_is_refused()
    {
        var error = Assert.Single(Fails(env: new() { ["PLUMTREE_HTTP_REQUIRE_TOKEN"] = "true" }).Errors);

        Assert.StartsWith("Plumtree:HttpRequireToken: is true but no token is configured", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scope_beyond_writes_needs_a_token()
    {
        var error = Assert.Single(Fails(json: """{"Plumtree":{"HttpTokenScope":"all"}}""").Errors);

        Assert.StartsWith("Plumtree:HttpTokenScope: 'all' needs a token", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_errors_name_the_key_and_never_echo_the_token()
    {
        var shortToken = Fails(env: new() { ["PLUMTREE_HTTP_TOKEN"] = "hunter2" });
        var spaced = Fails(env: new() { ["PLUMTREE_HTTP_TOKEN"] = "hunter2 hunter2 hunter2" });
        var missing = Fails(env: new() { ["PLUMTREE_HTTP_TOKEN_FILE"] = _dir.Combine("no-such-token") });
        var empty = Fails(env: new() { ["PLUMTREE_HTTP_TOKEN_FILE"] = _dir.File("empty-token", "\n") });
        var both = Fails(env: new() { ["PLUMTREE_HTTP_TOKEN"] = Token, ["PLUMTREE_HTTP_TOKEN_FILE"] = _dir.File("token", Token) });

        Assert.StartsWith("Plumtree:HttpToken: the token is 7 characters; at least 16", Assert.Single(shortToken.Errors), StringComparison.Ordinal);
        Assert.StartsWith("Plumtree:HttpToken: the token must be printable ASCII", Assert.Single(spaced.Errors), StringComparison.Ordinal);
        Assert.StartsWith("Plumtree:HttpTokenFile: '", Assert.Single(missing.Errors), StringComparison.Ordinal);
        Assert.Contains("cannot be read", Assert.Single(missing.Errors), StringComparison.Ordinal);
        Assert.Contains("is empty", Assert.Single(empty.Errors), StringComparison.Ordinal);
        Assert.StartsWith("Plumtree:HttpToken: is set and so is Plumtree:HttpTokenFile", Assert.Single(both.Errors), StringComparison.Ordinal);
        Assert.All(new[] { shortToken, spaced, both }, e => Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(Token, both.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_hosts_and_origins_are_lists_checked_and_normalised()
    {
        var settings = Load(env: new()
        {
            ["PLUMTREE_HTTP_ALLOWED_HOSTS"] = "Plumtree.Example.com, proxy.example.com:8443",
            ["PLUMTREE_HTTP_ALLOWED_ORIGINS"] = "https://Ops.Example.com",
        }).Settings;
        var bad = Fails(json: """{"Plumtree":{"HttpAllowedHosts":["ok.example.com","http://x.example.com/"],"HttpAllowedOrigins":["ops.example.com"]}}""");

        Assert.Equal(["plumtree.example.com", "proxy.example.com:8443"], settings.HttpAllowedHosts);
        Assert.Equal(["https://ops.example.com:443"], settings.HttpAllowedOrigins);
        Assert.Equal(2, bad.Errors.Count);
        Assert.StartsWith("Plumtree:HttpAllowedHosts:1: 'http://x.example.com/' is not a host name", bad.Errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Plumtree:HttpAllowedOrigins:0: 'ops.example.com' is not an origin", bad.Errors[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HttpTokenScope", "everything", "is not one of writes, all-except-probes, all")]
    [InlineData("HttpRequireToken", "yes", "is not true or false")]
    [InlineData("HttpInsecure", "1", "is not true or false")]
    public void Bad_values_name_the_key(string key, string value, string message)
    {
        var error = Assert.Single(Fails(json: $$$"""{"Plumtree":{"{{{key}}}":"{{{value}}}"}}""").Errors);

        Assert.StartsWith($"Plumtree:{key}: '{value}' {message}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_refuses_to_start_beyond_loopback_without_a_token_before_binding()
    {
        var port = PortFinder.FreeTcpPort(System.Net.IPAddress.Any);

        var result = await CliRunner.RunAsync(null, "agent", "--config", _dir.File("plumtree.json", "{}"), "--data-dir", _dir.Combine("data"), "--http", $"0.0.0.0:{port}");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"Plumtree:Http: '0.0.0.0:{port}' is not a loopback address", result.Error, StringComparison.Ordinal);
        Assert.Contains("(flag --http, env PLUMTREE_HTTP)", result.Error, StringComparison.Ordinal);
        Assert.True(PortFinder.IsTcpFree(System.Net.IPAddress.Any, port));
    }
}
