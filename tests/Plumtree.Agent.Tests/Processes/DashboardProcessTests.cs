using System.Net;
using Microsoft.Playwright;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// The live dashboard (<c>GET /ui</c>) of a real agent in a real three-agent cluster, opened in headless Chromium
/// (Playwright with Debian's chromium). Needs the real node and the chromium package.
/// </summary>
public sealed class DashboardProcessTests(LiveClusterFixture cluster) : IClassFixture<LiveClusterFixture>
{
    private static readonly string[] Names = ["live-a", "live-b", "live-c"];

    /// <summary>Generous: a loaded CI machine, three agents and a browser on two cores.</summary>
    private static readonly float Wait = (float)TimeSpan.FromSeconds(60).TotalMilliseconds;

    [Fact]
    public async Task The_dashboard_shows_the_members_the_cluster_overlay_and_a_broadcast_as_it_is_delivered()
    {
        await using var chromium = await Chromium.StartAsync();
        var page = chromium.Page;

        var response = await page.GotoAsync($"http://{cluster.A.HttpAddress}/ui", new PageGotoOptions { Timeout = Wait });

        Assert.Equal(200, response!.Status);
        Assert.Equal("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", await response.HeaderValueAsync("content-security-policy"));
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#node-name")).ToHaveTextAsync("live-a", new() { Timeout = Wait });
        foreach (var name in Names)
        {
            await Assertions.Expect(page.Locator($"#members tbody tr[data-name='{name}'][data-state='alive']")).ToBeVisibleAsync(new() { Timeout = Wait });
            await Assertions.Expect(page.Locator($"#graph g[data-node='{name}']")).ToHaveCountAsync(1, new() { Timeout = Wait });
        }

        // Every agent publishes its admin port (tag http), so live-a gathers the three views of the overlay.
        await Assertions.Expect(page.Locator("#view-cluster")).ToHaveAttributeAsync("aria-pressed", "true", new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#graph-note")).ToContainTextAsync("3 of 3 nodes' views", new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#graph line.edge.eager").First).ToBeVisibleAsync(new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#health-badge")).ToHaveTextAsync("Healthy", new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#health li[data-check='eager_peers']")).ToBeVisibleAsync(new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#sync-summary")).ToContainTextAsync("stored", new() { Timeout = Wait });

        // A broadcast made on another agent through POST /v1/broadcast reaches live-a and shows up on its page.
        var text = "dashboard " + Guid.NewGuid().ToString("N");
        var id = await cluster.B.BroadcastAsync(text);

        var row = page.Locator($"#messages tbody tr[data-id='{id}']");
        await Assertions.Expect(row).ToContainTextAsync(text, new() { Timeout = Wait });
        var hops = int.Parse(await row.Locator("td").Nth(3).TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(hops, 1, 2);
        Assert.Matches(@"^\d+ ms$", await row.Locator("td").Nth(5).TextContentAsync());

        Assert.Empty(chromium.Errors);
    }

    [Fact]
    public async Task The_dashboard_is_refused_with_another_Host_and_absent_when_turned_off()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using (var rebound = new HttpRequestMessage(HttpMethod.Get, $"http://{cluster.A.HttpAddress}/ui"))
        {
            rebound.Headers.Host = "attacker.example";
            using var refused = await http.SendAsync(rebound, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.MisdirectedRequest, refused.StatusCode);
        }

        using var dir = new TempDir();
        using var off = LiveAgent.Start("ui-off", dir, [], environment: new Dictionary<string, string> { ["PLUMTREE_HTTP_UI"] = "false" });
        await off.WaitForMembersAsync(["ui-off"], LiveClusterFixture.Bound);

        using var page = await http.GetAsync($"http://{off.HttpAddress}/ui", TestContext.Current.CancellationToken);
        using var script = await http.GetAsync($"http://{off.HttpAddress}/ui/dashboard.js", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);

        // The API is still served, and the agent no longer publishes its admin port for other dashboards.
        var self = (await off.GetAsync("v1/members")).GetProperty("members")[0];
        Assert.Equal("ui-off", self.GetProperty("name").GetString());
        Assert.False(self.GetProperty("tags").TryGetProperty("http", out _));
    }

    [Fact]
    public async Task With_a_token_for_every_route_the_page_asks_for_it_and_sends_it_only_as_a_header()
    {
        const string Token = "dashboard-token-0123456789abcdef";
        using var dir = new TempDir();
        using var agent = LiveAgent.Start("ui-token", dir, [], environment: new Dictionary<string, string>
        {
            ["PLUMTREE_HTTP_TOKEN"] = Token,
            ["PLUMTREE_HTTP_TOKEN_SCOPE"] = "all",
        });
        await using var chromium = await Chromium.StartAsync();
        var page = chromium.Page;
        var urls = new List<string>();
        page.Request += (_, request) =>
        {
            lock (urls)
            {
                urls.Add(request.Url);
            }
        };

        var response = await page.GotoAsync($"http://{agent.HttpAddress}/ui", new PageGotoOptions { Timeout = Wait });
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.Locator("#token-form")).ToBeVisibleAsync(new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("needs token", new() { Timeout = Wait });

        await page.Locator("#token-input").FillAsync("wrong-token-0123456789abcdef");
        await page.Locator("#token-form button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToHaveTextAsync("The token was refused.", new() { Timeout = Wait });

        await page.Locator("#token-input").FillAsync(Token);
        await page.Locator("#token-form button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#members tbody tr[data-name='ui-token'][data-state='alive']")).ToBeVisibleAsync(new() { Timeout = Wait });
        await Assertions.Expect(page.Locator("#token-form")).ToBeHiddenAsync();
        Assert.Equal(Token, await page.EvaluateAsync<string>("sessionStorage.getItem('plumtree-admin-token')"));

        lock (urls)
        {
            Assert.Contains(urls, u => u.EndsWith("/v1/events?interval=2", StringComparison.Ordinal));
            Assert.DoesNotContain(urls, u => u.Contains(Token, StringComparison.Ordinal) || u.Contains("wrong-token", StringComparison.Ordinal));
        }

        // The only console errors are the browser's own reports of the 401 answers (before and with the wrong token):
        // seeing them also shows that the console is watched, which the no-error assertion of the other test relies on.
        Assert.NotEmpty(chromium.Errors);
        Assert.All(chromium.Errors, e => Assert.Contains("401 (Unauthorized)", e, StringComparison.Ordinal));
    }
}
