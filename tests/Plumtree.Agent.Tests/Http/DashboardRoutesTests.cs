using System.Net;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Http;

/// <summary>The dashboard's routes on an agent with a fake node: the page, the event stream, the cluster gather.</summary>
public sealed class DashboardRoutesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeNode Node(string name = "node-a")
    {
        var node = new FakeNode { Name = name, IsJoined = true };
        node.MemberList.Add(FakeNode.Member(name, "127.0.0.1:7946", MemberState.Alive, ("pt", "1"), ("zone", "z1")));
        node.MemberList.Add(FakeNode.Member("node-x", "127.0.0.2:7946", MemberState.Suspect, ("pt", "1")));
        node.Eager.Add("node-x");
        return node;
    }

    [Fact]
    public async Task The_page_and_its_files_are_served_from_the_assembly_with_a_strict_policy()
    {
        await using var agent = await TestAgent.StartAsync(Node());

        using var page = await agent.Client.GetAsync("/ui", Ct);
        using var script = await agent.Client.GetAsync("/ui/dashboard.js", Ct);
        using var style = await agent.Client.GetAsync("/ui/dashboard.css", Ct);
        using var icon = await agent.Client.GetAsync("/ui/favicon.svg", Ct);
        using var missing = await agent.Client.GetAsync("/ui/nothing.js", Ct);
        using var head = await agent.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/ui"), Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<script src=\"/ui/dashboard.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(page.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));

        // Small, and nothing from elsewhere: no URL but the agent's own paths.
        var total = 0L;
        foreach (var file in new[] { page, script, style, icon })
        {
            var text = await file.Content.ReadAsStringAsync(Ct);
            total += Encoding.UTF8.GetByteCount(text);
            Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", text);
            Assert.DoesNotContain("@import", text, StringComparison.Ordinal);
        }

        Assert.InRange(total, 1, 48 * 1024);
    }

    [Fact]
    public async Task Turned_off_the_page_is_not_found_and_the_http_tag_is_not_published()
    {
        await using var off = await TestAgent.StartAsync(Node(), new() { ["Plumtree:HttpUi"] = "false" });
        await using var on = await TestAgent.StartAsync(Node());

        using var page = await off.Client.GetAsync("/ui", Ct);
        using var cluster = await off.Client.GetAsync("/debug/cluster", Ct);
        using var events = await off.Client.GetAsync("/v1/events?interval=0", Ct);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cluster.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, events.StatusCode); // still served (an API route)

        var options = (Microsoft.Extensions.Options.IOptions<PlumtreeNodeOptions>)off.App.Services.GetService(typeof(Microsoft.Extensions.Options.IOptions<PlumtreeNodeOptions>))!;
        Assert.False(options.Value.Tags.ContainsKey("http"));
        var onOptions = (Microsoft.Extensions.Options.IOptions<PlumtreeNodeOptions>)on.App.Services.GetService(typeof(Microsoft.Extensions.Options.IOptions<PlumtreeNodeOptions>))!;
        Assert.Equal("8080", onOptions.Value.Tags["http"]);
    }

    [Fact]
    public async Task Events_start_with_a_snapshot_and_carry_every_delivery()
    {
        var node = Node();
        await using var agent = await TestAgent.StartAsync(node);
        var log = (Plumtree.Agent.Messages.MessageLog)agent.App.Services.GetService(typeof(Plumtree.Agent.Messages.MessageLog))!;

        using var response = await agent.Client.GetAsync("/v1/events?interval=60", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var snapshot = await NextEventAsync(reader);
        await Eventually.UntilAsync(() => log.ReaderCount == 1, TimeSpan.FromSeconds(10), "stream subscribed", Ct);
        node.Deliver(new ReceivedMessage(new MessageId(9, 1), Encoding.UTF8.GetBytes("hi"), 2, "node-x", node.Now));
        var message = await NextEventAsync(reader);

        Assert.Equal("snapshot", snapshot.Event);
        var s = snapshot.Data.RootElement;
        Assert.Equal("node-a", s.GetProperty("node").GetString());
        Assert.Equal(["node-x"], s.GetProperty("peers").GetProperty("eager").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("z1", s.GetProperty("peers").GetProperty("members")[0].GetProperty("tags").GetProperty("zone").GetString());
        Assert.True(s.GetProperty("health").TryGetProperty("checks", out _));
        Assert.True(s.GetProperty("sync").GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("error").ValueKind);
        Assert.Equal("message", message.Event);
        Assert.Equal(new MessageId(9, 1).ToString(), message.Data.RootElement.GetProperty("id").GetString());
        Assert.Equal(2, message.Data.RootElement.GetProperty("hops").GetInt32());
    }

    [Theory]
    [InlineData("/v1/events")]
    [InlineData("/v1/messages/stream")]
    public async Task An_open_stream_ends_when_the_agent_stops_so_it_does_not_hold_up_the_leave(string path)
    {
        await using var agent = await TestAgent.StartAsync(Node());
        var log = (Plumtree.Agent.Messages.MessageLog)agent.App.Services.GetService(typeof(Plumtree.Agent.Messages.MessageLog))!;
        using var response = await agent.Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        await Eventually.UntilAsync(() => log.ReaderCount == 1, TimeSpan.FromSeconds(10), "stream subscribed", Ct);

        agent.App.Lifetime.StopApplication();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is not null)
        {
            // Events sent before the stop.
        }

        await Eventually.UntilAsync(() => log.ReaderCount == 0, TimeSpan.FromSeconds(10), "stream reader gone", Ct);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("61")]
    [InlineData("x")]
    public async Task An_interval_out_of_range_is_a_bad_request(string interval)
    {
        await using var agent = await TestAgent.StartAsync(Node());

        using var response = await agent.Client.GetAsync($"/v1/events?interval={interval}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("interval:", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cluster_gather_reads_each_tagged_members_peers_and_says_who_could_not_be_read()
    {
        var b = new FakeNode { Name = "node-b", IsJoined = true };
        b.Eager.Add("node-a");
        b.Lazy.Add("node-c");
        await using var agentB = await TestAgent.StartAsync(b, kestrel: true);
        var bPort = IPEndPoint.Parse(agentB.HttpAddress).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var closed = PortFinder.FreeTcpPort(IPAddress.Loopback).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var a = new FakeNode { Name = "node-a", IsJoined = true };
        a.MemberList.Add(FakeNode.Member("node-a", "127.0.0.1:7946", MemberState.Alive, ("pt", "1")));
        a.MemberList.Add(FakeNode.Member("node-b", "127.0.0.1:7947", MemberState.Alive, ("pt", "1"), ("http", bPort)));
        a.MemberList.Add(FakeNode.Member("node-c", "127.0.0.1:7948", MemberState.Alive, ("pt", "1"), ("http", closed)));
        a.MemberList.Add(FakeNode.Member("node-d", "127.0.0.1:7949", MemberState.Alive, ("pt", "1")));
        a.MemberList.Add(FakeNode.Member("node-e", "127.0.0.1:7950", MemberState.Dead, ("pt", "1"), ("http", bPort)));
        a.Eager.Add("node-b");
        a.Lazy.Add("node-c");
        await using var agentA = await TestAgent.StartAsync(a);

        using var response = await agentA.Client.GetAsync("/debug/cluster", Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var views = json.RootElement.GetProperty("views").EnumerateArray().ToDictionary(v => v.GetProperty("node").GetString()!);
        Assert.Equal(["node-a", "node-b", "node-c"], views.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["node-b"], views["node-a"].GetProperty("eager").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["node-a"], views["node-b"].GetProperty("eager").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["node-c"], views["node-b"].GetProperty("lazy").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, views["node-b"].GetProperty("error").ValueKind);
        Assert.Contains($"127.0.0.1:{closed}", views["node-c"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["node-d"], json.RootElement.GetProperty("not_asked").EnumerateArray().Select(e => e.GetString()));
    }

    private static async Task<(string Event, JsonDocument Data)> NextEventAsync(StreamReader reader)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.Length == 0 && fields.Count > 0)
            {
                return (fields["event"], JsonDocument.Parse(fields["data"]));
            }

            if (line.Length > 0)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                fields[line[..colon]] = line[(colon + 1)..].TrimStart();
            }
        }
    }
}
