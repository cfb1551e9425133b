using System.Security.Cryptography;
using Plumtree.Interop.Tests.Infrastructure;
using Plumtree.Node;
using static Plumtree.Interop.Tests.Infrastructure.InteropHarness;

namespace Plumtree.Interop.Tests;

/// <summary>AES-GCM keyrings between our nodes and serf agents started with <c>-encrypt</c>.</summary>
[Trait("Category", "Interop")]
public sealed class EncryptionTests
{
    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public Task With_the_clusters_key_our_node_joins_an_encrypted_serf_cluster() => RunAsync(async h =>
    {
        var key = NewKey();
        var s1 = await h.StartSerfAsync("s1", encryptKey: key);
        var s2 = await h.StartSerfAsync("s2", encryptKey: key, join: [s1.EndPoint]);
        var options = NodeOptions("pt1");
        options.EncryptionKeys.Add(key);
        var node = await h.StartNodeAsync(options);

        Assert.Equal(1, await node.JoinAsync([s1.EndPoint], Poll.Ct));

        await UntilSerfListsAsync(s1, "alive", "s1", "s2", "pt1");
        await UntilSerfListsAsync(s2, "alive", "s1", "s2", "pt1");
        await UntilNodeSeesAliveAsync(node, "s1", "s2");
    });

    [Fact]
    public Task Without_a_key_our_node_is_refused_by_an_encrypted_serf_cluster() => RunAsync(async h =>
    {
        var s1 = await h.StartSerfAsync("s1", encryptKey: NewKey());
        var node = await h.StartNodeAsync(NodeOptions("pt1"));

        var refused = await Assert.ThrowsAsync<PlumtreeJoinException>(() => node.JoinAsync([s1.EndPoint], Poll.Ct));
        h.Report($"join refused: {refused.Message}");

        await AssertRefusedAsync(h, s1, node, "Encryption is configured but remote state is not encrypted");
    });

    [Fact]
    public Task With_a_wrong_key_our_node_is_refused_by_an_encrypted_serf_cluster() => RunAsync(async h =>
    {
        var s1 = await h.StartSerfAsync("s1", encryptKey: NewKey());
        var options = NodeOptions("pt1");
        options.EncryptionKeys.Add(NewKey());
        var node = await h.StartNodeAsync(options);

        var refused = await Assert.ThrowsAsync<PlumtreeJoinException>(() => node.JoinAsync([s1.EndPoint], Poll.Ct));
        h.Report($"join refused: {refused.Message}");

        await AssertRefusedAsync(h, s1, node, "No installed keys could decrypt the message");
    });

    [Fact]
    public Task Our_encrypted_cluster_refuses_a_serf_agent_without_the_key() => RunAsync(async h =>
    {
        var key = NewKey();
        var pt1 = await h.StartNodeAsync(WithKey(NodeOptions("pt1"), key));
        var pt2 = await h.StartNodeAsync(WithKey(NodeOptions("pt2"), key));
        await pt2.JoinAsync([pt1.AdvertisedEndPoint], Poll.Ct);
        await UntilNodeSeesAliveAsync(pt1, "pt2");
        await UntilNodeSeesAliveAsync(pt2, "pt1");
        var s1 = await h.StartSerfAsync("s1");

        var (exitCode, output) = await s1.JoinAsync(pt1.AdvertisedEndPoint);

        h.Report($"serf join exit code {exitCode}: {output.Trim()}");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Remote state is encrypted and encryption is not configured", output, StringComparison.Ordinal);
        Assert.Equal(["s1"], (await s1.MembersAsync()).Select(m => m.Name));
        Assert.DoesNotContain(pt1.Members.Concat(pt2.Members), m => m.Name == "s1");

        // The other direction too: our encrypted node cannot join the plaintext agent.
        var refused = await Assert.ThrowsAsync<PlumtreeJoinException>(() => pt2.JoinAsync([s1.EndPoint], Poll.Ct));
        h.Report($"pt2 -> s1 join refused: {refused.Message}");
        await AssertRefusedAsync(h, s1, pt2, "Remote state is encrypted and encryption is not configured", ourMembers: ["pt1", "pt2"]);
    });

    private static PlumtreeNodeOptions WithKey(PlumtreeNodeOptions options, string key)
    {
        options.EncryptionKeys.Add(key);
        return options;
    }

    /// <summary>serf logged that it refused our stream (memberlist's "failed to receive"), and neither side took the other in.</summary>
    private static async Task AssertRefusedAsync(InteropHarness h, SerfAgent agent, PlumtreeNode node, string serfError, string[]? ourMembers = null)
    {
        serfError = "failed to receive: " + serfError;
        await Poll.UntilAsync(
            () => agent.LogLines.Any(l => l.Contains(serfError, StringComparison.Ordinal)),
            () => $"serf agent {agent.Name} logs that it refused our stream (\"{serfError}\")");
        Assert.Equal([agent.Name], (await agent.MembersAsync()).Select(m => m.Name));
        Assert.Equal(ourMembers ?? [node.Name], node.Members.Select(m => m.Name).Order(StringComparer.Ordinal));
        h.Report($"serf logged: {agent.LogLines.First(l => l.Contains(serfError, StringComparison.Ordinal)).Trim()}");
    }
}
