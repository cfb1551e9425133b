using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Tests.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Node;

namespace Plumtree.Agent.Tests.Http;

/// <summary>The key rotation routes (GET /v1/keys, POST /v1/keys/install|use|remove) and the <c>keys</c> verbs, against a scripted node.</summary>
public sealed class KeyRoutesTests
{
    private const string Token = "keys-routes-test-token-0123456789";
    private static readonly string Old = Convert.ToBase64String(new byte[32]);
    private static readonly string New = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A two-node answer: node-a did it, node-b refused with <paramref name="error"/> (or did it too), node-c was silent when <paramref name="silent"/>.</summary>
    private static FakeNode Node(List<(KeyOperation, string?)> calls, string? error = null, bool silent = false) => new()
    {
        KeyAnswer = (operation, key) =>
        {
            calls.Add((operation, key));
            return new KeyringReport(
                operation,
                key,
                silent ? 3 : 2,
                [new KeyNodeResult("node-a", null, New, [New, Old]), new KeyNodeResult("node-b", error, Old, [Old, New])],
                silent ? ["node-c"] : [],
                [new KeyHolders(New, 2, ["node-a"]), new KeyHolders(Old, 2, ["node-b"])]);
        },
    };

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_routes_pass_the_key_to_the_node_and_answer_its_report()
    {
        var calls = new List<(KeyOperation, string?)>();
        await using var agent = await TestAgent.StartAsync(Node(calls));

        using var list = await agent.Client.GetAsync("/v1/keys", Ct);
        using var install = await agent.Client.PostAsync("/v1/keys/install", Body($"{{\"key\":\"{New}\"}}"), Ct);
        using var use = await agent.Client.PostAsync("/v1/keys/use", Body($"{{\"key\":\"{New}\"}}"), Ct);
        using var remove = await agent.Client.PostAsync("/v1/keys/remove", Body($"{{\"key\":\"{Old}\"}}"), Ct);

        Assert.All(new[] { list, install, use, remove }, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal([(KeyOperation.List, null), (KeyOperation.Install, New), (KeyOperation.Use, New), (KeyOperation.Remove, Old)], calls);
        using var doc = JsonDocument.Parse(await install.Content.ReadAsStringAsync(Ct));
        var root = doc.RootElement;
        Assert.Equal("install", root.GetProperty("operation").GetString());
        Assert.Equal(New, root.GetProperty("key").GetString());
        Assert.True(root.GetProperty("succeeded").GetBoolean());
        Assert.Equal((2, 2, 0), (root.GetProperty("nodes_asked").GetInt32(), root.GetProperty("nodes_answered").GetInt32(), root.GetProperty("nodes_failed").GetInt32()));
        var first = root.GetProperty("keys")[0];
        Assert.Equal((New, 2, "node-a"), (first.GetProperty("key").GetString(), first.GetProperty("nodes").GetInt32(), first.GetProperty("primary_on")[0].GetString()));
        Assert.Equal(New, root.GetProperty("nodes")[0].GetProperty("primary_key").GetString());
    }

    [Fact]
    public async Task Bad_keys_are_refused_before_the_node_and_a_node_without_encryption_answers_409()
    {
        var calls = new List<(KeyOperation, string?)>();
        await using var agent = await TestAgent.StartAsync(Node(calls));
        foreach (var body in new[] { "{\"key\":\"c2hvcnQ=\"}", "{}", "not json", "{\"key\":\"!!!\"}" })
        {
            using var response = await agent.Client.PostAsync("/v1/keys/install", Body(body), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Empty(calls);

        await using var plain = await TestAgent.StartAsync(new FakeNode());
        using var refused = await plain.Client.GetAsync("/v1/keys", Ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("encryption is not enabled", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_keys_needs_the_token_when_one_is_set_even_though_it_is_a_read()
    {
        var calls = new List<(KeyOperation, string?)>();
        await using var agent = await TestAgent.StartAsync(Node(calls), new() { ["Plumtree:HttpToken"] = Token });

        using var anonymous = await agent.Client.GetAsync("/v1/keys", Ct);
        using var members = await agent.Client.GetAsync("/v1/members", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var authorized = await agent.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, members.StatusCode); // other reads stay open in the default scope
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Single(calls);
    }

    [Fact]
    public async Task The_cli_prints_a_table_per_key_and_exits_1_when_a_node_failed_or_was_silent()
    {
        var calls = new List<(KeyOperation, string?)>();
        await using var agent = await TestAgent.StartAsync(Node(calls));
        var listed = await CliRunner.RunAsync(agent, "keys", "list");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(New, listed.Out, StringComparison.Ordinal);
        Assert.Contains("2/2", listed.Out, StringComparison.Ordinal);
        Assert.Contains("node-a", listed.Out, StringComparison.Ordinal);

        await using var failing = await TestAgent.StartAsync(Node(calls, error: "cannot remove the primary key (use another key first)", silent: true));
        var removed = await CliRunner.RunAsync(failing, "keys", "remove", Old);
        Assert.Equal(1, removed.ExitCode);
        Assert.Contains("cannot remove the primary key", removed.Out, StringComparison.Ordinal);
        Assert.Contains("node-c", removed.Out, StringComparison.Ordinal);
        Assert.Contains("no answer", removed.Out, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync(failing, "keys", "use", New, "--json");
        Assert.Equal(1, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(2, doc.RootElement.GetProperty("nodes_failed").GetInt32());
        Assert.Equal((KeyOperation.Use, New), calls[^1]);
    }
}
