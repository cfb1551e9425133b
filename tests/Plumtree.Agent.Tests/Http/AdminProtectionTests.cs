using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;

namespace Plumtree.Agent.Tests.Http;

/// <summary>Issue 13, finding 2: the admin API must not obey a web page (CSRF, DNS rebinding) and takes a bearer token.</summary>
public sealed class AdminProtectionTests
{
    private const string Token = "s3cret-token-0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> WithToken(string scope = "writes") => new(StringComparer.Ordinal)
    {
        ["Plumtree:HttpToken"] = Token,
        ["Plumtree:HttpRequireToken"] = "true",
        ["Plumtree:HttpTokenScope"] = scope,
    };

    private static async Task<(int Code, string Error)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var error = string.Empty;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            using var doc = JsonDocument.Parse(body);
            error = doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? string.Empty : string.Empty;
        }

        return ((int)response.StatusCode, error);
    }

    private static HttpRequestMessage Post(string path, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return request;
    }

    /// <summary>The repro, on a real socket: <c>curl -X POST -H 'Origin: http://attacker.example' -H 'Content-Type: application/x-www-form-urlencoded' --data a=b 127.0.0.1:PORT/v1/leave</c>.</summary>
    [Fact]
    public async Task A_cross_origin_form_post_to_leave_is_refused_and_the_node_stays()
    {
        var node = new FakeNode { Name = "node-a", IsJoined = true };
        await using var agent = await TestAgent.StartAsync(node, kestrel: true);
        using var http = new HttpClient();

        using var csrf = new HttpRequestMessage(HttpMethod.Post, $"http://{agent.HttpAddress}/v1/leave")
        {
            Content = new StringContent("a=b", Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        csrf.Headers.Add("Origin", "http://attacker.example");
        var (code, error) = await SendAsync(http, csrf);

        Assert.Equal(403, code);
        Assert.Contains("Origin 'http://attacker.example'", error, StringComparison.Ordinal);
        Assert.True(node.IsJoined);
        Assert.Empty(node.LeaveCalls);

        // The same form post without Origin (a browser too old to send one) is refused for its content type.
        using var form = new HttpRequestMessage(HttpMethod.Post, $"http://{agent.HttpAddress}/v1/leave")
        {
            Content = new StringContent("a=b", Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        Assert.Equal(415, (await SendAsync(http, form)).Code);
        Assert.True(node.IsJoined);

        // The CLI's request (no Origin, no body) still works.
        using var cli = new HttpRequestMessage(HttpMethod.Post, $"http://{agent.HttpAddress}/v1/leave");
        Assert.Equal(200, (await SendAsync(http, cli)).Code);
        Assert.False(node.IsJoined);
    }

    [Fact]
    public async Task A_dns_rebinding_request_is_misdirected()
    {
        var node = new FakeNode { Name = "node-a", IsJoined = true };
        await using var agent = await TestAgent.StartAsync(node, kestrel: true);
        using var http = new HttpClient();
        var port = agent.HttpAddress.Split(':')[1];

        using var leave = new HttpRequestMessage(HttpMethod.Post, $"http://{agent.HttpAddress}/v1/leave");
        leave.Headers.Host = $"attacker.example:{port}";
        using var read = new HttpRequestMessage(HttpMethod.Get, $"http://{agent.HttpAddress}/v1/messages");
        read.Headers.Host = $"attacker.example:{port}";
        using var viaLocalhost = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{port}/v1/members");

        var (leaveCode, leaveError) = await SendAsync(http, leave);
        var (readCode, _) = await SendAsync(http, read);
        var (localCode, _) = await SendAsync(http, viaLocalhost);

        Assert.Equal(421, leaveCode);
        Assert.Contains($"Host 'attacker.example:{port}'", leaveError, StringComparison.Ordinal);
        Assert.Equal(421, readCode);
        Assert.True(node.IsJoined);
        Assert.Equal(200, localCode);
    }

    [Fact]
    public async Task Refusals_are_counted_by_reason_in_metrics()
    {
        await using var agent = await TestAgent.StartAsync();
        using var crossOrigin = Post("/v1/rebalance");
        crossOrigin.Headers.Add("Origin", "http://attacker.example");
        using var crossSite = Post("/v1/rebalance");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var wrongHost = new HttpRequestMessage(HttpMethod.Get, "/v1/members");
        wrongHost.Headers.Host = "attacker.example:8080";

        Assert.Equal(403, (await SendAsync(agent.Client, crossOrigin)).Code);
        Assert.Equal(403, (await SendAsync(agent.Client, crossSite)).Code);
        Assert.Equal(421, (await SendAsync(agent.Client, wrongHost)).Code);
        var metrics = await agent.Client.GetStringAsync("/metrics", Ct);

        Assert.Equal(1, MetricsText.Sum(metrics, "plumtree_agent_http_refused_total", ["reason=origin"]));
        Assert.Equal(1, MetricsText.Sum(metrics, "plumtree_agent_http_refused_total", ["reason=fetch_site"]));
        Assert.Equal(1, MetricsText.Sum(metrics, "plumtree_agent_http_refused_total", ["reason=host"]));
    }

    [Fact]
    public async Task With_a_token_state_changes_need_it()
    {
        var node = new FakeNode { Name = "node-a", IsJoined = true };
        await using var agent = await TestAgent.StartAsync(node, WithToken());

        using var missing = await agent.Client.SendAsync(Post("/v1/leave"), Ct);
        var wrong = await SendAsync(agent.Client, Post("/v1/leave", "not-the-token-0123456789"));
        var stillJoined = node.IsJoined;
        var right = await SendAsync(agent.Client, Post("/v1/leave", Token));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", Assert.Single(missing.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(401, wrong.Code);
        Assert.Contains("not this agent's admin token", wrong.Error, StringComparison.Ordinal);
        Assert.True(stillJoined);
        Assert.Equal(200, right.Code);
        Assert.False(node.IsJoined);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync("/v1/members", Ct)).StatusCode);
    }

    [Fact]
    public async Task All_except_probes_leaves_metrics_and_health_open_for_prometheus()
    {
        await using var agent = await TestAgent.StartAsync(settings: WithToken("all-except-probes"));

        using var metrics = await agent.Client.GetAsync("/metrics", Ct);
        using var health = await agent.Client.GetAsync("/health", Ct);
        using var members = await agent.Client.GetAsync("/v1/members", Ct);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/v1/members");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var membersWithToken = await agent.Client.SendAsync(withToken, Ct);

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, members.StatusCode);
        Assert.Equal(HttpStatusCode.OK, membersWithToken.StatusCode);
    }

    [Fact]
    public async Task Scope_all_closes_metrics_too()
    {
        await using var agent = await TestAgent.StartAsync(settings: WithToken("all"));

        using var metrics = await agent.Client.GetAsync("/metrics", Ct);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var metricsWithToken = await agent.Client.SendAsync(withToken, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metricsWithToken.StatusCode);
    }

    [Fact]
    public async Task A_json_route_refuses_a_text_plain_body_and_takes_application_json()
    {
        var node = new FakeNode { Name = "node-a" };
        await using var agent = await TestAgent.StartAsync(node);

        using var text = Post("/v1/join");
        text.Content = new StringContent("""{"addresses":["10.0.0.5:7946"]}""", Encoding.UTF8, "text/plain");
        using var json = Post("/v1/join");
        json.Content = new StringContent("""{"addresses":["10.0.0.5:7946"]}""", Encoding.UTF8, "application/json");

        var refused = await SendAsync(agent.Client, text);
        var accepted = await SendAsync(agent.Client, json);

        Assert.Equal(415, refused.Code);
        Assert.Contains("application/json", refused.Error, StringComparison.Ordinal);
        Assert.Equal(200, accepted.Code);
        Assert.Single(node.JoinCalls);
    }
}
