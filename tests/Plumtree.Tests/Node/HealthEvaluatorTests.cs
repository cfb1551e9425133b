using System.Net;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Tests.Node;

/// <summary>The <c>peers</c> check with no Plumtree peers: isolated, or only members that do not speak Plumtree.</summary>
public sealed class HealthEvaluatorTests
{
    private const string Isolated = "No Plumtree peers: the node is isolated and cannot deliver broadcasts (check connectivity to the seeds, then leave and join again).";

    [Fact]
    public void Live_members_none_of_them_Plumtree_capable_is_Degraded_and_says_so()
    {
        var snapshot = Snapshot(Member("self", MemberState.Alive, capable: true), Member("go-1", MemberState.Alive, capable: false), Member("go-2", MemberState.Alive, capable: false));

        var health = HealthEvaluator.Evaluate(snapshot, running: true, new PlumtreeNodeOptions(), cacheCapacity: 100);

        var peers = health.Checks["peers"];
        Assert.Equal(HealthStatus.Degraded, peers.Status);
        Assert.StartsWith("No Plumtree-capable peers among 2 live member(s)", peers.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("isolated", peers.Description, StringComparison.Ordinal);
        Assert.Equal(2, peers.Data["live_members"]);
        Assert.Equal(0, peers.Data["capable_members"]);
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("peers: No Plumtree-capable peers among 2 live member(s)", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_whose_other_members_are_dead_is_isolated_and_Unhealthy()
    {
        var snapshot = Snapshot(Member("self", MemberState.Alive, capable: true), Member("pt-1", MemberState.Dead, capable: true), Member("go-1", MemberState.Left, capable: false));

        var peers = HealthEvaluator.Evaluate(snapshot, running: true, new PlumtreeNodeOptions(), cacheCapacity: 100).Checks["peers"];

        Assert.Equal(HealthStatus.Unhealthy, peers.Status);
        Assert.Equal(Isolated, peers.Description);
    }

    [Fact]
    public void A_live_Plumtree_capable_member_that_is_not_a_peer_keeps_the_isolated_verdict()
    {
        // A capable member alive to membership but no Plumtree link to it: that is this node's problem, not the cluster's make-up.
        var snapshot = Snapshot(Member("self", MemberState.Alive, capable: true), Member("pt-1", MemberState.Alive, capable: true), Member("go-1", MemberState.Alive, capable: false));

        var peers = HealthEvaluator.Evaluate(snapshot, running: true, new PlumtreeNodeOptions(), cacheCapacity: 100).Checks["peers"];

        Assert.Equal(HealthStatus.Unhealthy, peers.Status);
        Assert.Equal(Isolated, peers.Description);
    }

    [Fact]
    public void A_node_that_left_stays_Unhealthy_whatever_members_it_knows()
    {
        var snapshot = Snapshot(Member("self", MemberState.Left, capable: true), Member("go-1", MemberState.Alive, capable: false)) with { Leaving = true };

        var peers = HealthEvaluator.Evaluate(snapshot, running: true, new PlumtreeNodeOptions(), cacheCapacity: 100).Checks["peers"];

        Assert.Equal(HealthStatus.Unhealthy, peers.Status);
        Assert.StartsWith("The node has left the cluster", peers.Description, StringComparison.Ordinal);
    }

    private static NodeSnapshot Snapshot(params MemberInfo[] members) =>
        new(new BroadcastSnapshot("self", [], [], [], 0, 0, 0, members.Length, TimeSpan.Zero), members, NodeSnapshot.CountByState(members), 0, 0, Running: true, LoneSeed: false, Leaving: false);

    private static MemberInfo Member(string name, MemberState state, bool capable) =>
        new(name, new IPEndPoint(IPAddress.Loopback, 7946), state, new Dictionary<string, string>(), 1, capable);
}
