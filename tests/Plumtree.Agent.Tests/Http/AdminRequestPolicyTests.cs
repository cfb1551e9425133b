using System.Net;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Http;

namespace Plumtree.Agent.Tests.Http;

/// <summary>The admin API's access rules, decided without a server (the routes' own tests exercise them over HTTP).</summary>
public sealed class AdminRequestPolicyTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static AdminRequestPolicy Policy(string listen = "127.0.0.1:8080", string? token = null, HttpTokenScope scope = HttpTokenScope.Writes, string[]? hosts = null, string[]? origins = null) =>
        new(new AgentSettings
        {
            Http = IPEndPoint.Parse(listen),
            Token = token,
            HttpTokenScope = scope,
            HttpAllowedHosts = hosts ?? [],
            HttpAllowedOrigins = origins ?? [],
        });

    private static AdminRequest Post(string host = "127.0.0.1:8080", string path = "/v1/leave") => new("POST", path, "http", host);

    private static AdminRequest Get(string host = "127.0.0.1:8080", string path = "/v1/members") => new("GET", path, "http", host);

    [Theory]
    [InlineData("127.0.0.1:8080")]
    [InlineData("localhost:8080")]
    [InlineData("LOCALHOST:8080")]
    public void A_loopback_agent_answers_its_address_and_localhost(string host)
    {
        Assert.Null(Policy().Check(Get(host)));
        Assert.Null(Policy().Check(Post(host)));
    }

    [Theory]
    [InlineData("attacker.example:8080")]
    [InlineData("attacker.example")]
    [InlineData("127.0.0.1:9090")]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.5:8080")]
    [InlineData("localhost.attacker.example:8080")]
    public void Any_other_host_is_misdirected_even_for_reads(string host)
    {
        var refusal = Policy().Check(Get(host, "/metrics"));

        Assert.NotNull(refusal);
        Assert.Equal(421, refusal.Status);
        Assert.Equal("host", refusal.Reason);
        Assert.Contains("Plumtree:HttpAllowedHosts", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_without_host_is_a_bad_request()
    {
        var refusal = Policy().Check(new AdminRequest("GET", "/health", "http", null));

        Assert.Equal(400, refusal?.Status);
        Assert.Equal("host", refusal?.Reason);
    }

    [Fact]
    public void Allowed_names_match_with_any_port_or_the_one_listed()
    {
        var policy = Policy(hosts: ["plumtree.example.com", "proxy.example.com:8443"]);

        Assert.Null(policy.Check(Get("plumtree.example.com:8080")));
        Assert.Null(policy.Check(Get("PlumTree.Example.com")));
        Assert.Null(policy.Check(Get("proxy.example.com:8443")));
        Assert.Equal(421, policy.Check(Get("proxy.example.com:8080"))?.Status);
    }

    [Fact]
    public void An_agent_on_all_addresses_answers_any_address_literal_and_localhost_on_its_port_but_no_other_name()
    {
        var policy = Policy("0.0.0.0:8080", token: Token);

        Assert.Null(policy.Check(Get("10.0.1.11:8080")));
        Assert.Null(policy.Check(Get("[fd00::1]:8080")));
        Assert.Null(policy.Check(Get("localhost:8080")));
        Assert.Equal(421, policy.Check(Get("node1.example.com:8080"))?.Status);
        Assert.Equal(421, policy.Check(Get("10.0.1.11:9000"))?.Status);
    }

    [Fact]
    public void An_ipv6_loopback_agent_answers_its_bracketed_address()
    {
        var policy = Policy("[::1]:8080");

        Assert.Null(policy.Check(Get("[::1]:8080")));
        Assert.Null(policy.Check(Get("localhost:8080")));
        Assert.Equal(421, policy.Check(Get("127.0.0.1:8080"))?.Status);
    }

    [Fact]
    public void Port_zero_means_the_port_the_connection_arrived_on()
    {
        var policy = Policy("127.0.0.1:0");

        Assert.Null(policy.Check(Get("127.0.0.1:41234") with { LocalPort = 41234 }));
        Assert.Equal(421, policy.Check(Get("127.0.0.1:41235") with { LocalPort = 41234 })?.Status);
    }

    [Theory]
    [InlineData("http://attacker.example")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://127.0.0.1:3000")]
    [InlineData("https://127.0.0.1:8080")]
    [InlineData("null")]
    public void A_state_change_from_another_origin_is_forbidden(string origin)
    {
        var refusal = Policy().Check(Post() with { Origin = origin });

        Assert.Equal(403, refusal?.Status);
        Assert.Equal("origin", refusal?.Reason);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("HTTP://127.0.0.1:8080/")]
    public void A_state_change_from_the_agents_own_origin_goes_through(string origin) =>
        Assert.Null(Policy().Check(Post() with { Origin = origin, SecFetchSite = "same-origin" }));

    [Fact]
    public void Reads_are_not_refused_for_their_origin()
    {
        Assert.Null(Policy().Check(Get() with { Origin = "http://attacker.example", SecFetchSite = "cross-site" }));
    }

    [Fact]
    public void An_allowed_origin_may_change_state_even_from_another_site()
    {
        var policy = Policy(origins: ["https://ops.example.com"]);

        Assert.Null(policy.Check(Post() with { Origin = "https://ops.example.com", SecFetchSite = "cross-site" }));
        Assert.Equal(403, policy.Check(Post() with { Origin = "https://other.example.com" })?.Status);
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public void Fetch_metadata_from_another_site_is_forbidden_without_an_origin(string site)
    {
        var refusal = Policy().Check(Post() with { SecFetchSite = site });

        Assert.Equal(403, refusal?.Status);
        Assert.Equal("fetch_site", refusal?.Reason);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", false)]
    [InlineData("multipart/form-data; boundary=x", true)]
    [InlineData("text/plain;charset=UTF-8", true)]
    [InlineData(null, true)]
    [InlineData("application/octet-stream", true)]
    public void Routes_taking_json_or_nothing_refuse_browser_form_bodies(string? contentType, bool hasBody)
    {
        var refusal = Policy().Check(Post(path: "/v1/join") with { ContentType = contentType, HasBody = hasBody });

        Assert.Equal(415, refusal?.Status);
        Assert.Equal("content_type", refusal?.Reason);
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("application/merge-patch+json", true)]
    [InlineData(null, false)]
    public void Routes_taking_json_or_nothing_accept_json_and_no_body(string? contentType, bool hasBody) =>
        Assert.Null(Policy().Check(Post(path: "/v1/join") with { ContentType = contentType, HasBody = hasBody }));

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public void Broadcast_takes_any_payload_type_from_a_non_browser_client(string? contentType) =>
        Assert.Null(Policy().Check(Post(path: "/v1/broadcast") with { ContentType = contentType, HasBody = true }));

    [Fact]
    public void Broadcast_from_another_origin_is_still_forbidden() =>
        Assert.Equal(403, Policy().Check(Post(path: "/v1/broadcast") with { Origin = "http://attacker.example", ContentType = "text/plain", HasBody = true })?.Status);

    [Fact]
    public void Without_a_token_nothing_asks_for_one() =>
        Assert.Null(Policy().Check(Post() with { Authorization = "Bearer whatever" }));

    [Fact]
    public void With_a_token_state_changes_need_it_and_reads_do_not()
    {
        var policy = Policy(token: Token);

        var missing = policy.Check(Post());
        var wrong = policy.Check(Post() with { Authorization = "Bearer " + Token[..^1] + "0" });
        var basic = policy.Check(Post() with { Authorization = "Basic dXNlcjpwYXNz" });

        Assert.Equal((401, "token_missing"), (missing?.Status, missing?.Reason));
        Assert.Equal("Bearer realm=\"plumtree\"", missing?.Challenge);
        Assert.Equal((401, "token_invalid"), (wrong?.Status, wrong?.Reason));
        Assert.Contains("invalid_token", wrong?.Challenge, StringComparison.Ordinal);
        Assert.Equal(401, basic?.Status);
        Assert.Null(policy.Check(Post() with { Authorization = "Bearer " + Token }));
        Assert.Null(policy.Check(Post() with { Authorization = "bearer  " + Token }));
        Assert.Null(policy.Check(Get()));
    }

    [Fact]
    public void The_token_is_compared_whole()
    {
        var policy = Policy(token: Token);

        Assert.Equal(401, policy.Check(Post() with { Authorization = "Bearer " + Token + "x" })?.Status);
        Assert.Equal(401, policy.Check(Post() with { Authorization = "Bearer " + Token[..16] })?.Status);
        Assert.Equal(401, policy.Check(Post() with { Authorization = "Bearer" })?.Status);
    }

    [Theory]
    [InlineData("/metrics", true)]
    [InlineData("/health", true)]
    [InlineData("/HEALTH/", true)]
    [InlineData("/v1/members", false)]
    [InlineData("/v1/messages/stream", false)]
    [InlineData("/debug/state", false)]
    public void All_except_probes_leaves_only_metrics_and_health_open(string path, bool open)
    {
        var refusal = Policy(token: Token, scope: HttpTokenScope.AllExceptProbes).Check(Get(path: path));

        Assert.Equal(open, refusal is null);
    }

    [Fact]
    public void All_needs_the_token_for_metrics_too()
    {
        var policy = Policy(token: Token, scope: HttpTokenScope.All);

        Assert.Equal(401, policy.Check(Get(path: "/metrics"))?.Status);
        Assert.Null(policy.Check(Get(path: "/metrics") with { Authorization = "Bearer " + Token }));
    }

    [Fact]
    public void The_host_is_checked_before_the_token()
    {
        var refusal = Policy(token: Token).Check(Post("attacker.example:8080") with { Authorization = "Bearer " + Token });

        Assert.Equal(421, refusal?.Status);
    }

    [Theory]
    [InlineData(nameof(HttpTokenScope.Writes))]
    [InlineData(nameof(HttpTokenScope.AllExceptProbes))]
    [InlineData(nameof(HttpTokenScope.All))]
    public void The_dashboards_static_files_need_no_token_but_its_data_does(string scopeName)
    {
        var scope = Enum.Parse<HttpTokenScope>(scopeName);
        var policy = Policy(token: Token, scope: scope);

        Assert.Null(policy.Check(Get(path: "/ui")));
        Assert.Null(policy.Check(Get(path: "/ui/dashboard.js")));
        Assert.Null(policy.Check(Get(path: "/ui/dashboard.css")));
        Assert.Equal(401, policy.Check(Post(path: "/ui"))?.Status);
        Assert.Equal(401, policy.Check(Get(path: "/v1/keys"))?.Status);
        Assert.Equal(scope != HttpTokenScope.Writes, policy.Check(Get(path: "/v1/events")) is not null);
        Assert.Equal(scope != HttpTokenScope.Writes, policy.Check(Get(path: "/debug/cluster")) is not null);
        Assert.Equal(scope != HttpTokenScope.Writes, policy.Check(Get(path: "/ui/not-a-dashboard-file")) is not null);
    }

    [Fact]
    public void The_dashboard_is_refused_for_another_host()
    {
        Assert.Equal(421, Policy().Check(Get("attacker.example:8080", "/ui"))?.Status);
        Assert.Equal(421, Policy(token: Token, scope: HttpTokenScope.All).Check(Get("attacker.example:8080", "/ui/dashboard.js"))?.Status);
    }
}
