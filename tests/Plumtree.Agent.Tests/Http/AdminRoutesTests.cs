using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;
using NodeCheck = Plumtree.Node.HealthCheckResult;
using NodeStatus = Plumtree.Node.HealthStatus;

namespace Plumtree.Agent.Tests.Http;

public sealed class AdminRoutesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeNode ThreeMembers()
    {
        var node = new FakeNode { Name = "node-a", IsJoined = true, CacheSize = 17, PendingGrafts = 2, Zone = "a" };
        node.MemberList.Add(FakeNode.Member("node-a", "10.0.0.1:7946", MemberState.Alive, ("pt", "1"), ("zone", "a")));
        node.MemberList.Add(FakeNode.Member("node-b", "10.0.0.2:7946", MemberState.Suspect, ("pt", "1")));
        node.MemberList.Add(FakeNode.Member("node-c", "[fd00::3]:7946", MemberState.Left));
        node.Eager.AddRange(["node-b"]);
        node.Lazy.AddRange(["node-c", "node-a2"]);
        node.Ring.AddRange(["node-b", "node-c"]);
        node.CrossZone.AddRange(["node-c", "node-b"]);
        return node;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return doc.RootElement.Clone();
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static string[] Names(JsonElement obj) => obj.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task Members_lists_every_member_with_address_state_zone_and_tags()
    {
        await using var agent = await TestAgent.StartAsync(ThreeMembers());

        using var response = await agent.Client.GetAsync("/v1/members", Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["members"], Names(json));
        var members = json.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Equal(["name", "address", "state", "zone", "tags"], Names(m)));
        Assert.Equal("node-a", members[0].GetProperty("name").GetString());
        Assert.Equal("10.0.0.1:7946", members[0].GetProperty("address").GetString());
        Assert.Equal("alive", members[0].GetProperty("state").GetString());
        Assert.Equal("1", members[0].GetProperty("tags").GetProperty("pt").GetString());
        Assert.Equal("a", members[0].GetProperty("tags").GetProperty("zone").GetString());
        Assert.Equal("a", members[0].GetProperty("zone").GetString());
        Assert.Equal(JsonValueKind.Null, members[1].GetProperty("zone").ValueKind); // no zone tag
        Assert.Equal("suspect", members[1].GetProperty("state").GetString());
        Assert.Equal("[fd00::3]:7946", members[2].GetProperty("address").GetString());
        Assert.Equal("left", members[2].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Object, members[2].GetProperty("tags").ValueKind);
    }

    [Fact]
    public async Task Debug_peers_shows_self_and_its_zone_eager_lazy_the_cross_zone_links_ring_neighbours_and_members()
    {
        await using var agent = await TestAgent.StartAsync(ThreeMembers());

        using var response = await agent.Client.GetAsync("/debug/peers", Ct);
        var json = await JsonAsync(response);

        Assert.Equal(["self", "zone", "eager", "lazy", "cross_zone", "ring_neighbors", "members"], Names(json));
        Assert.Equal("node-a", json.GetProperty("self").GetString());
        Assert.Equal("a", json.GetProperty("zone").GetString());
        Assert.Equal(["node-b", "node-c"], Strings(json.GetProperty("cross_zone")));
        Assert.Equal(["node-b"], Strings(json.GetProperty("eager")));
        Assert.Equal(["node-a2", "node-c"], Strings(json.GetProperty("lazy")));
        Assert.Equal(["node-b", "node-c"], Strings(json.GetProperty("ring_neighbors")));
        var member = json.GetProperty("members")[1];
        Assert.Equal(["name", "address", "state", "zone", "tags"], Names(member));
        Assert.Equal("node-b", member.GetProperty("name").GetString());
        Assert.Equal("suspect", member.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Debug_state_is_the_recovery_guides_state_export()
    {
        await using var agent = await TestAgent.StartAsync(ThreeMembers());

        using var response = await agent.Client.GetAsync("/debug/state", Ct);
        var json = await JsonAsync(response);

        Assert.Equal(["node", "eager_peers", "lazy_peers", "ring_neighbors", "cache_size", "pending_grafts", "members", "timestamp"], Names(json));
        Assert.Equal("node-a", json.GetProperty("node").GetString());
        Assert.Equal(["node-b"], Strings(json.GetProperty("eager_peers")));
        Assert.Equal(["node-a2", "node-c"], Strings(json.GetProperty("lazy_peers")));
        Assert.Equal(["node-b", "node-c"], Strings(json.GetProperty("ring_neighbors")));
        Assert.Equal(17, json.GetProperty("cache_size").GetInt32());
        Assert.Equal(2, json.GetProperty("pending_grafts").GetInt32());
        var members = json.GetProperty("members");
        Assert.Equal(["alive", "dead", "left", "suspect"], Names(members));
        Assert.Equal(1, members.GetProperty("alive").GetInt32());
        Assert.Equal(1, members.GetProperty("suspect").GetInt32());
        Assert.Equal(0, members.GetProperty("dead").GetInt32());
        Assert.Equal(1, members.GetProperty("left").GetInt32());
        Assert.Equal("2025-03-01T12:00:00+00:00", json.GetProperty("timestamp").GetString());
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero), json.GetProperty("timestamp").GetDateTimeOffset());
    }

    [Theory]
    [InlineData(NodeStatus.Healthy, HttpStatusCode.OK)]
    [InlineData(NodeStatus.Degraded, HttpStatusCode.OK)]
    [InlineData(NodeStatus.Unhealthy, HttpStatusCode.ServiceUnavailable)]
    public async Task Health_reports_status_message_and_each_check_503_only_when_unhealthy(NodeStatus status, HttpStatusCode code)
    {
        var node = ThreeMembers();
        node.Health = new NodeHealth(status, $"overall {status}", new Dictionary<string, NodeCheck>
        {
            ["peers"] = new(NodeStatus.Healthy, "2 peers", new Dictionary<string, object> { ["total"] = 2, ["ratio"] = 0.5, ["since"] = TimeSpan.FromSeconds(90) }),
            ["eager_peers"] = new(status, "eager check", new Dictionary<string, object> { ["eager"] = 1, ["lone_seed"] = false, ["names"] = new[] { "node-b" } }),
        });
        await using var agent = await TestAgent.StartAsync(node);

        using var response = await agent.Client.GetAsync("/health", Ct);
        var json = await JsonAsync(response);

        Assert.Equal(code, response.StatusCode);
        Assert.Equal(["status", "message", "checks"], Names(json));
        Assert.Equal(status.ToString(), json.GetProperty("status").GetString());
        Assert.Equal($"overall {status}", json.GetProperty("message").GetString());
        var checks = json.GetProperty("checks");
        Assert.Equal(["eager_peers", "peers"], Names(checks));
        var peers = checks.GetProperty("peers");
        Assert.Equal(["status", "description", "data"], Names(peers));
        Assert.Equal("Healthy", peers.GetProperty("status").GetString());
        Assert.Equal("2 peers", peers.GetProperty("description").GetString());
        Assert.Equal(2, peers.GetProperty("data").GetProperty("total").GetInt32());
        Assert.Equal(0.5, peers.GetProperty("data").GetProperty("ratio").GetDouble());
        Assert.Equal(90, peers.GetProperty("data").GetProperty("since").GetDouble());
        var eager = checks.GetProperty("eager_peers");
        Assert.Equal(status.ToString(), eager.GetProperty("status").GetString());
        Assert.False(eager.GetProperty("data").GetProperty("lone_seed").GetBoolean());
        Assert.Equal(["node-b"], Strings(eager.GetProperty("data").GetProperty("names")));
    }

    [Fact]
    public async Task Broadcast_takes_the_body_as_payload_and_answers_202_with_the_id()
    {
        var node = ThreeMembers();
        await using var agent = await TestAgent.StartAsync(node);
        using var content = new ByteArrayContent([0, 1, 2, 255]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        using var response = await agent.Client.PostAsync("/v1/broadcast", content, Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["id"], Names(json));
        Assert.True(MessageId.TryParse(json.GetProperty("id").GetString(), out _));
        Assert.Equal([0, 1, 2, 255], Assert.Single(node.Broadcasts));
    }

    [Fact]
    public async Task A_payload_larger_than_the_maximum_message_size_is_refused_with_413()
    {
        var node = ThreeMembers();
        node.MaxMessageSize = 10;
        await using var agent = await TestAgent.StartAsync(node);

        using var declared = await agent.Client.PostAsync("/v1/broadcast", new ByteArrayContent(new byte[11]), Ct);
        using var streamed = await agent.Client.PostAsync("/v1/broadcast", new StreamContent(new MemoryStream(new byte[11])), Ct);
        using var fits = await agent.Client.PostAsync("/v1/broadcast", new ByteArrayContent(new byte[10]), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Contains("10", (await JsonAsync(declared)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
        Assert.Single(node.Broadcasts);
    }

    [Fact]
    public async Task Messages_returns_recent_deliveries_oldest_first_including_own_broadcasts()
    {
        var node = ThreeMembers();
        await using var agent = await TestAgent.StartAsync(node);
        var at = new DateTimeOffset(2025, 3, 1, 12, 0, 5, TimeSpan.Zero);
        node.Deliver(new ReceivedMessage(new MessageId(1, 1), Encoding.UTF8.GetBytes("first"), 2, "node-b", at));
        node.Deliver(new ReceivedMessage(new MessageId(1, 2), Encoding.UTF8.GetBytes("second"), 3, "node-b", at.AddSeconds(1)));
        using (await agent.Client.PostAsync("/v1/broadcast", new StringContent("mine"), Ct))
        {
        }

        using var all = await agent.Client.GetAsync("/v1/messages", Ct);
        using var last2 = await agent.Client.GetAsync("/v1/messages?limit=2", Ct);
        var json = await JsonAsync(all);

        Assert.Equal(["messages"], Names(json));
        var messages = json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m => Assert.Equal(["id", "payload", "hops", "from", "received_at", "recovered"], Names(m)));
        Assert.Equal(new MessageId(1, 1).ToString(), messages[0].GetProperty("id").GetString());
        Assert.Equal("first", Encoding.UTF8.GetString(Convert.FromBase64String(messages[0].GetProperty("payload").GetString()!)));
        Assert.Equal(2, messages[0].GetProperty("hops").GetInt32());
        Assert.Equal("node-b", messages[0].GetProperty("from").GetString());
        Assert.Equal(at, messages[0].GetProperty("received_at").GetDateTimeOffset());
        Assert.Equal("mine", Encoding.UTF8.GetString(Convert.FromBase64String(messages[2].GetProperty("payload").GetString()!)));
        Assert.Equal(0, messages[2].GetProperty("hops").GetInt32());
        Assert.Equal(JsonValueKind.Null, messages[2].GetProperty("from").ValueKind);

        var recent = (await JsonAsync(last2)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("hops").GetInt32()).ToList();
        Assert.Equal([3, 0], recent);
    }

    [Fact]
    public async Task The_message_log_is_a_bounded_ring_buffer()
    {
        var node = ThreeMembers();
        await using var agent = await TestAgent.StartAsync(node, new() { ["Plumtree:MessageBufferCapacity"] = "3" });
        for (var i = 1; i <= 5; i++)
        {
            node.Deliver(new ReceivedMessage(new MessageId(1, (ulong)i), new byte[] { (byte)i }, i, "node-b", node.Now));
        }

        using var response = await agent.Client.GetAsync("/v1/messages?limit=100", Ct);
        var hops = (await JsonAsync(response)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("hops").GetInt32());

        Assert.Equal([3, 4, 5], hops);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("ten")]
    public async Task A_bad_limit_is_a_400_naming_it(string limit)
    {
        await using var agent = await TestAgent.StartAsync(ThreeMembers());

        using var response = await agent.Client.GetAsync($"/v1/messages?limit={limit}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("limit:", (await JsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_sends_one_server_sent_event_per_delivery()
    {
        var node = ThreeMembers();
        await using var agent = await TestAgent.StartAsync(node);
        var log = agent.App.Services.GetService(typeof(Plumtree.Agent.Messages.MessageLog)) as Plumtree.Agent.Messages.MessageLog;

        using var response = await agent.Client.GetAsync("/v1/messages/stream", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await Eventually.UntilAsync(() => log!.ReaderCount == 1, TimeSpan.FromSeconds(10), "stream subscribed", Ct);
        node.Deliver(new ReceivedMessage(new MessageId(7, 1), Encoding.UTF8.GetBytes("one"), 1, "node-b", node.Now));
        node.Deliver(new ReceivedMessage(new MessageId(7, 2), Encoding.UTF8.GetBytes("two"), 2, "node-c", node.Now));

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var events = new List<Dictionary<string, string>>();
        var current = new Dictionary<string, string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (events.Count < 2)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.Length == 0)
            {
                events.Add(current);
                current = [];
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            current[line[..colon]] = line[(colon + 1)..].TrimStart();
        }

        Assert.Equal("message", events[0]["event"]);
        Assert.Equal(new MessageId(7, 1).ToString(), events[0]["id"]);
        using var first = JsonDocument.Parse(events[0]["data"]);
        Assert.Equal("one", Encoding.UTF8.GetString(Convert.FromBase64String(first.RootElement.GetProperty("payload").GetString()!)));
        Assert.Equal(1, first.RootElement.GetProperty("hops").GetInt32());
        using var second = JsonDocument.Parse(events[1]["data"]);
        Assert.Equal(new MessageId(7, 2).ToString(), second.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Join_contacts_the_given_addresses_and_reports_how_many_answered()
    {
        var node = ThreeMembers();
        node.OnJoin = seeds => seeds.Count - 1;
        await using var agent = await TestAgent.StartAsync(node);

        using var response = await agent.Client.PostAsync("/v1/join", Json("""{"addresses":["10.0.0.5:7946","10.0.0.6"]}"""), Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["contacted"], Names(json));
        Assert.Equal(1, json.GetProperty("contacted").GetInt32());
        Assert.Equal(["10.0.0.5:7946", "10.0.0.6:7946"], node.JoinCalls[^1].Select(e => e.ToString()));
    }

    [Fact]
    public async Task Join_looks_up_an_srv_seed_at_the_configured_dns_server()
    {
        await using var dns = new LoopbackDnsServer();
        dns.SetSrv("_gossip._tcp.plumtree.test", new IPEndPoint(IPAddress.Parse("10.0.0.7"), 7000), new IPEndPoint(IPAddress.Parse("10.0.0.8"), 7001));
        var node = ThreeMembers();
        node.OnJoin = seeds => seeds.Count;
        await using var agent = await TestAgent.StartAsync(node, new() { ["Plumtree:DnsServer"] = dns.EndPoint.ToString() });

        using var response = await agent.Client.PostAsync("/v1/join", Json("""{"addresses":["srv:_gossip._tcp.plumtree.test"]}"""), Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, json.GetProperty("contacted").GetInt32());
        Assert.Equal(["10.0.0.7:7000", "10.0.0.8:7001"], node.JoinCalls[^1].Select(e => e.ToString()));

        using var missing = await agent.Client.PostAsync("/v1/join", Json("""{"addresses":["srv:_gossip._tcp.missing.test"]}"""), Ct);
        var error = await JsonAsync(missing);

        Assert.Equal(HttpStatusCode.BadGateway, missing.StatusCode);
        Assert.Contains("NXDOMAIN", Strings(error.GetProperty("details")).Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("""{"addresses":[]}""")]
    [InlineData("""{"addresses":["10.0.0.5:99999"]}""")]
    public async Task Join_with_a_bad_body_is_a_400_with_a_clear_error(string body)
    {
        var node = ThreeMembers();
        await using var agent = await TestAgent.StartAsync(node);
        var before = node.JoinCallCount;

        using var response = await agent.Client.PostAsync("/v1/join", Json(body), Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("addresses", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, node.JoinCallCount);
    }

    [Fact]
    public async Task Join_that_reaches_no_seed_is_a_502_with_each_cause()
    {
        var node = ThreeMembers();
        node.OnJoin = _ => throw new PlumtreeJoinException("no seed could be contacted", [new IOException("10.0.0.5:7946: connection refused")]);
        await using var agent = await TestAgent.StartAsync(node);

        using var response = await agent.Client.PostAsync("/v1/join", Json("""{"addresses":["10.0.0.5:7946"]}"""), Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("no seed could be contacted", json.GetProperty("error").GetString());
        Assert.Contains("connection refused", Strings(json.GetProperty("details")).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leave_rebalance_and_cache_clear_call_the_node_and_say_what_they_did()
    {
        var node = ThreeMembers();
        await using var agent = await TestAgent.StartAsync(node);

        using var leave = await agent.Client.PostAsync("/v1/leave", null, Ct);
        using var rebalance = await agent.Client.PostAsync("/v1/rebalance", null, Ct);
        using var clear = await agent.Client.PostAsync("/v1/cache/clear", null, Ct);

        foreach (var response in new[] { leave, rebalance, clear })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await JsonAsync(response);
            Assert.Equal(["ok", "message"], Names(json));
            Assert.True(json.GetProperty("ok").GetBoolean());
        }

        Assert.Equal([TimeSpan.FromSeconds(2)], node.LeaveCalls);
        Assert.Equal(1, node.RebalanceCalls);
        Assert.Equal(1, node.ClearCacheCalls);
        Assert.Contains("17 entries", (await JsonAsync(clear)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leave_on_a_node_that_is_not_joined_does_nothing_and_says_so()
    {
        var node = ThreeMembers();
        node.IsJoined = false;
        await using var agent = await TestAgent.StartAsync(node);

        using var leave = await agent.Client.PostAsync("/v1/leave", null, Ct);

        Assert.Equal(HttpStatusCode.OK, leave.StatusCode);
        Assert.Empty(node.LeaveCalls);
        Assert.Contains("is not in a cluster", (await JsonAsync(leave)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_in_the_wrong_state_gives_a_409_not_a_crash()
    {
        var node = new FakeNode { MaxMessageSize = 10, RebalanceFailure = "node has left" };
        await using var agent = await TestAgent.StartAsync(node);

        using var response = await agent.Client.PostAsync("/v1/rebalance", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("node has left", (await JsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_admin_api_answers_json_for_unknown_methods_with_405_and_unknown_paths_with_404()
    {
        await using var agent = await TestAgent.StartAsync(ThreeMembers());

        using var wrongMethod = await agent.Client.GetAsync("/v1/broadcast", Ct);
        using var unknown = await agent.Client.GetAsync("/v2/nothing", Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
