using System.Net;
using System.Text;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>Issue 13, finding 2, on real processes: a live agent with a token against a web page's requests and the CLI.</summary>
public sealed class AdminProtectionProcessTests : IDisposable
{
    private const string Token = "live-token-0123456789abcdefghij";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_live_agent_refuses_a_web_page_and_obeys_the_cli_with_its_token()
    {
        var tokenFile = _dir.File("http-token", Token + "\n");
        using var agent = LiveAgent.Start("guarded", _dir, [], environment: new Dictionary<string, string>
        {
            ["PLUMTREE_HTTP_TOKEN_FILE"] = tokenFile,
            ["PLUMTREE_ENCRYPTION_KEYS"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });
        await agent.WaitForMembersAsync(["guarded"], Bound);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // The curl: a page on attacker.example posting a form to /v1/leave.
        using var csrf = new HttpRequestMessage(HttpMethod.Post, $"http://{agent.HttpAddress}/v1/leave") { Content = new StringContent("a=b", Encoding.ASCII, "application/x-www-form-urlencoded") };
        csrf.Headers.Add("Origin", "http://attacker.example");
        using var csrfResponse = await http.SendAsync(csrf, Ct);

        // DNS rebinding: attacker.example now resolves to 127.0.0.1.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, $"http://{agent.HttpAddress}/v1/messages");
        rebound.Headers.Host = $"attacker.example:{agent.HttpPort}";
        using var reboundResponse = await http.SendAsync(rebound, Ct);

        var config = _dir.File("cli.json", "{}");
        var withoutToken = await AgentProcess.RunAsync(["leave", "--http", agent.HttpAddress, "--config", config]);
        var members = await AgentProcess.RunAsync(["members", "--http", agent.HttpAddress, "--config", config]);
        var withToken = await AgentProcess.RunAsync(["rebalance", "--http", agent.HttpAddress, "--token-file", tokenFile]);
        var metrics = await agent.MetricsAsync();

        Assert.Equal(HttpStatusCode.Forbidden, csrfResponse.StatusCode);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, reboundResponse.StatusCode);
        Assert.Equal(ExitCodes.Failure, withoutToken.ExitCode);
        Assert.Contains("the agent answered 401", withoutToken.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, members.ExitCode);
        Assert.Contains("guarded", members.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, withToken.ExitCode);
        Assert.Equal(["guarded"], await agent.MembersAsync());
        Assert.Equal(1, MetricsText.Sum(metrics, "plumtree_agent_http_refused_total", ["reason=origin"]));
        Assert.Equal(1, MetricsText.Sum(metrics, "plumtree_agent_http_refused_total", ["reason=host"]));
        Assert.Equal(1, MetricsText.Sum(metrics, "plumtree_agent_http_refused_total", ["reason=token_missing"]));
        Assert.Contains("HTTP admin requires a bearer token (state-changing routes)", agent.Process.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, agent.Process.Stdout + agent.Process.Stderr, StringComparison.Ordinal);

        var left = await AgentProcess.RunAsync(["leave", "--http", agent.HttpAddress], new Dictionary<string, string> { ["PLUMTREE_HTTP_TOKEN"] = Token });
        Assert.Equal(0, left.ExitCode);
    }

    [Fact]
    public async Task Http_insecure_serves_beyond_loopback_with_a_warning()
    {
        var httpPort = PortFinder.FreeTcpPort(IPAddress.Any);
        var port = PortFinder.FreeTcpAndUdpPort(IPAddress.Loopback);
        using var agent = AgentProcess.Start(
        [
            "agent", "--config", _dir.File("plumtree.json", "{}"), "--data-dir", _dir.Combine("data"), "--node-name", "exposed",
            "--bind", $"127.0.0.1:{port}", "--profile", "local", "--http", $"0.0.0.0:{httpPort}", "--http-insecure",
        ]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        var status = await Eventually.UntilAsync(
            async () =>
            {
                if (agent.HasExited)
                {
                    throw new InvalidOperationException($"agent exited: {agent}");
                }

                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/health", Ct);
                    return (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return 0;
                }
            },
            code => code is 200 or 503,
            Bound,
            "the admin answers on 127.0.0.1",
            Ct);

        // Answered through 127.0.0.1 (an address literal of an agent on every address); the warning is in its log.
        Assert.True(status is 200 or 503);
        var warning = $"HTTP admin listens on 0.0.0.0:{httpPort}, beyond loopback, WITHOUT authentication";
        await Eventually.UntilAsync(() => Task.FromResult(agent.Stdout), log => log.Contains(warning, StringComparison.Ordinal), Bound, "the insecure warning is logged", Ct);
    }
}
