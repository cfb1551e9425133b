using Plumtree.Interop.Tests.Infrastructure;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Wire.Memberlist.Serf;
using static Plumtree.Interop.Tests.Infrastructure.InteropHarness;

namespace Plumtree.Interop.Tests;

/// <summary>Our node in plain memberlist mode (delegate versions 0/0/0) with real Go memberlist 0.2.2 nodes.</summary>
[Trait("Category", "Interop")]
public sealed class GoMemberlistTests
{
    [Fact]
    public Task Our_node_and_go_memberlist_nodes_see_each_other_alive_joining_in_both_directions() => RunAsync(async h =>
    {
        var g1 = await h.StartGoPeerAsync("g1");
        var node = await h.StartNodeAsync(NodeOptions("pt1", ClusterCompatibility.Memberlist, zone: "z1"));
        Assert.Equal(1, await node.JoinAsync([g1.EndPoint], Poll.Ct));

        // A Go node that joins through ours (Go dials our push/pull).
        var g2 = await h.StartGoPeerAsync("g2", join: [node.AdvertisedEndPoint]);

        await UntilNodeSeesAliveAsync(node, "g1", "g2");

        // Two live members, neither speaks Plumtree (no "pt" tag): not isolated, but nobody to broadcast to.
        var peers = node.GetHealth().Checks["peers"];
        Assert.Equal(HealthStatus.Degraded, peers.Status);
        Assert.StartsWith("No Plumtree-capable peers among 2 live member(s)", peers.Description, StringComparison.Ordinal);

        foreach (var peer in new[] { g1, g2 })
        {
            var members = await UntilGoListsAsync(peer, "alive", "g1", "g2", "pt1");
            var us = members.Single(m => m.Name == "pt1");
            Assert.Equal([1, 5, 2, 0, 0, 0], us.Vsn);
            Assert.Equal(node.AdvertisedEndPoint.Port, us.Port);
            Assert.Equal("127.0.0.1", us.Addr);
            var tags = SerfTags.Decode(us.Meta);
            Assert.Equal("2", tags["pt"]);
            Assert.Equal("z1", tags["zone"]);
        }

        h.Report($"pt1 sees {Describe(node)}; g1 sees {Describe(await g1.MembersAsync())}; g2 sees {Describe(await g2.MembersAsync())}");
    });

    [Fact]
    public Task Our_graceful_leave_shows_as_left_in_the_go_nodes_view_and_a_rejoin_is_taken_back() => RunAsync(async h =>
    {
        var g1 = await h.StartGoPeerAsync("g1");
        var g2 = await h.StartGoPeerAsync("g2", join: [g1.EndPoint]);
        var node = await h.StartNodeAsync(NodeOptions("pt1", ClusterCompatibility.Memberlist));
        await node.JoinAsync([g1.EndPoint], Poll.Ct);
        await UntilGoListsAsync(g1, "alive", "pt1");
        await UntilGoListsAsync(g2, "alive", "pt1");

        await node.LeaveAsync(TimeSpan.FromSeconds(5), Poll.Ct);

        foreach (var peer in new[] { g1, g2 })
        {
            var members = await UntilGoListsAsync(peer, "left", "pt1");
            h.Report($"{peer.Name} sees {Describe(members)}");
        }

        // The node may come back: the Go nodes take it in as alive again (a higher incarnation than its leave).
        await node.JoinAsync([g2.EndPoint], Poll.Ct);
        await UntilGoListsAsync(g1, "alive", "pt1");
        await UntilGoListsAsync(g2, "alive", "pt1");
        await UntilNodeSeesAliveAsync(node, "g1", "g2");
    });

    [Fact]
    public Task Crashes_are_detected_both_ways_and_a_restarted_node_refutes_its_death() => RunAsync(async h =>
    {
        var g1 = await h.StartGoPeerAsync("g1");
        var g2 = await h.StartGoPeerAsync("g2", join: [g1.EndPoint]);
        var first = await h.StartNodeAsync(NodeOptions("pt1", ClusterCompatibility.Memberlist));
        await first.JoinAsync([g1.EndPoint], Poll.Ct);
        await UntilNodeSeesAliveAsync(first, "g1", "g2");
        var before = (await UntilGoListsAsync(g1, "alive", "g2", "pt1")).Single(m => m.Name == "pt1").Incarnation;
        await UntilGoListsAsync(g2, "alive", "g1", "pt1");

        // Our node crashes (sockets closed, no leave): the Go nodes declare it dead, not left.
        var port = first.AdvertisedEndPoint.Port;
        var killedAt = h.Log.Elapsed;
        await first.KillAsync();
        await UntilGoListsAsync(g1, "dead", "pt1");
        await UntilGoListsAsync(g2, "dead", "pt1");
        h.Report($"our node killed: both Go nodes list it dead after {Seconds(h.Log.Elapsed - killedAt)}");

        // Restarted under the same name and address, it learns of its own death from the Go node's push/pull
        // and refutes it with a higher incarnation: the Go nodes take it back as alive.
        var options = NodeOptions("pt1", ClusterCompatibility.Memberlist);
        options.BindPort = port;
        var second = await h.StartNodeAsync(options);
        await second.JoinAsync([g1.EndPoint], Poll.Ct);
        var after = (await UntilGoListsAsync(g1, "alive", "pt1")).Single(m => m.Name == "pt1").Incarnation;
        await UntilGoListsAsync(g2, "alive", "pt1");
        h.Report($"the Go nodes took pt1 back at incarnation {after} (it was alive at {before} before the crash)");
        Assert.True(after > before, $"The refutation should carry an incarnation above {before}; g1 holds {after}.");
        await UntilNodeSeesAliveAsync(second, "g1", "g2");

        // A Go node crashes: our node declares it dead (not left).
        killedAt = h.Log.Elapsed;
        await g2.KillAsync();
        await Poll.UntilAsync(() => StateOf(second, "g2") == MemberState.Dead, () => $"our node marks the killed Go node dead; it lists {Describe(second)}");
        h.Report($"Go node g2 killed: our node lists it dead after {Seconds(h.Log.Elapsed - killedAt)}");
        await UntilGoListsAsync(g1, "dead", "g2");
    });

    private static async Task<IReadOnlyList<GoMember>> UntilGoListsAsync(GoMemberlistPeer peer, string state, params string[] members)
    {
        IReadOnlyList<GoMember> last = [];
        await Poll.UntilAsync(
            async () =>
            {
                last = await peer.MembersAsync();
                return members.All(name => last.Any(m => m.Name == name && m.State == state));
            },
            () => $"Go memberlist node {peer.Name} lists [{string.Join(", ", members)}] {state}; it lists: {Describe(last)}");
        return last;
    }
}
