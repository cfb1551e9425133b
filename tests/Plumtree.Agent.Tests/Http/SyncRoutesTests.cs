using System.Net;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Storage;
using Plumtree.Sync;

namespace Plumtree.Agent.Tests.Http;

/// <summary>The anti-entropy and message store routes: GET /debug/sync, POST /v1/sync, POST /v1/cache/verify.</summary>
public sealed class SyncRoutesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return doc.RootElement.Clone();
    }

    private static string[] Names(JsonElement obj) => obj.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task Debug_sync_shows_the_store_floor_join_time_and_each_peers_last_round()
    {
        var floor = new DateTimeOffset(2026, 12, 6, 11, 0, 0, TimeSpan.Zero);
        var node = new FakeNode
        {
            SyncStatus = new SyncSnapshot(
                true,
                42,
                4200,
                floor.ToUnixTimeMilliseconds(),
                floor.AddDays(-1).ToUnixTimeMilliseconds(),
                "node-c",
                [
                    new SyncPeerSnapshot("node-c", floor.AddHours(1).ToUnixTimeMilliseconds(), "timeout", 3, 1, 5, 2, 100, 200),
                    new SyncPeerSnapshot("node-b", null, null, 0, 0, 0, 0, 0, 0),
                ]),
        };
        await using var agent = await TestAgent.StartAsync(node);

        using var response = await agent.Client.GetAsync("/debug/sync", Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["node", "enabled", "messages", "bytes", "floor", "joined", "active_round_peer", "peers"], Names(json));
        Assert.Equal(42, json.GetProperty("messages").GetInt32());
        Assert.Equal(floor, json.GetProperty("floor").GetDateTimeOffset());
        Assert.Equal(floor.AddDays(-1), json.GetProperty("joined").GetDateTimeOffset());
        Assert.Equal("node-c", json.GetProperty("active_round_peer").GetString());
        var peers = json.GetProperty("peers").EnumerateArray().ToList();
        Assert.Equal(["node-b", "node-c"], peers.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, peers[0].GetProperty("last_round").ValueKind);
        Assert.Equal("timeout", peers[1].GetProperty("last_result").GetString());
        Assert.Equal(3, peers[1].GetProperty("last_need").GetInt32());
        Assert.Equal(200, peers[1].GetProperty("bytes_received").GetInt64());
    }

    [Fact]
    public async Task Sync_now_starts_a_round_with_a_named_or_random_peer_and_says_why_when_it_cannot()
    {
        var node = new FakeNode { SyncAnswer = peer => peer is null ? "node-b" : peer == "node-c" ? "node-c" : null };
        await using var agent = await TestAgent.StartAsync(node);

        using var any = await agent.Client.PostAsync("/v1/sync", null, Ct);
        Assert.Equal(HttpStatusCode.OK, any.StatusCode);
        Assert.Contains("node-b", (await JsonAsync(any)).GetProperty("message").GetString(), StringComparison.Ordinal);

        using var named = await agent.Client.PostAsync("/v1/sync", new StringContent("{\"peer\":\"node-c\"}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);

        using var unknown = await agent.Client.PostAsync("/v1/sync", new StringContent("{\"peer\":\"node-z\"}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("node-z", (await JsonAsync(unknown)).GetProperty("error").GetString(), StringComparison.Ordinal);

        using var garbage = await agent.Client.PostAsync("/v1/sync", new StringContent("{peer", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        Assert.Equal([null, "node-c", "node-z"], node.SyncRequests);

        node.SyncAnswer = _ => null;
        using var alone = await agent.Client.PostAsync("/v1/sync", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, alone.StatusCode);

        node.SyncStatus = node.SyncStatus with { Enabled = false };
        using var disabled = await agent.Client.PostAsync("/v1/sync", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, disabled.StatusCode);
        Assert.Contains("disabled", (await JsonAsync(disabled)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cache_verify_reports_rows_and_corrupt_rows_removed()
    {
        var node = new FakeNode { Verification = new MessageStoreVerification(10, 8, 2, 1234, "2 rows failed their checksum") };
        await using var agent = await TestAgent.StartAsync(node);

        using var response = await agent.Client.PostAsync("/v1/cache/verify", null, Ct);
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["rows", "intact", "corrupt_removed", "bytes", "detail"], Names(json));
        Assert.Equal(2, json.GetProperty("corrupt_removed").GetInt32());
        Assert.Equal(1234, json.GetProperty("bytes").GetInt64());
    }
}
