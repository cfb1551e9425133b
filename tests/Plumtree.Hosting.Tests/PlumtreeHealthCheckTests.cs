using Microsoft.Extensions.Diagnostics.HealthChecks;
using Plumtree.Hosting;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Node;
using MsStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;
using NodeCheck = Plumtree.Node.HealthCheckResult;
using NodeStatus = Plumtree.Node.HealthStatus;

namespace Plumtree.Hosting.Tests;

public sealed class PlumtreeHealthCheckTests
{
    private static Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> Check(IPlumtreeNodeHandle node, PlumtreeStartupState state) =>
        new PlumtreeHealthCheck(node, state).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

    private static PlumtreeStartupState Started()
    {
        var state = new PlumtreeStartupState();
        state.MarkStarted();
        return state;
    }

    /// <summary>Started and joined (or a lone seed): the node's own health is the answer.</summary>
    private static PlumtreeStartupState Ready()
    {
        var state = Started();
        state.MarkReady(ReadyReason.Joined);
        return state;
    }

    [Theory]
    [InlineData(NodeStatus.Healthy, MsStatus.Healthy)]
    [InlineData(NodeStatus.Degraded, MsStatus.Degraded)]
    [InlineData(NodeStatus.Unhealthy, MsStatus.Unhealthy)]
    public async Task The_nodes_status_and_message_are_reported_as_they_are(NodeStatus status, MsStatus expected)
    {
        var node = new FakeNode { IsJoined = true, Health = new NodeHealth(status, "the message", new Dictionary<string, NodeCheck>()) };

        var result = await Check(node, Ready());

        Assert.Equal(expected, result.Status);
        Assert.Equal("the message", result.Description);
    }

    [Fact]
    public async Task Each_node_check_is_carried_in_the_data_under_its_name()
    {
        var checks = new Dictionary<string, NodeCheck>
        {
            ["eager_peers"] = new(NodeStatus.Degraded, "no eager peers", new Dictionary<string, object> { ["eager"] = 0 }),
            ["peers"] = new(NodeStatus.Healthy, "3 peers", new Dictionary<string, object> { ["total"] = 3 }),
        };
        var node = new FakeNode { IsJoined = true, Health = new NodeHealth(NodeStatus.Degraded, "no eager peers", checks) };

        var result = await Check(node, Ready());

        var eager = Assert.IsType<PlumtreeCheckDetail>(result.Data["eager_peers"]);
        Assert.Equal(NodeStatus.Degraded, eager.Status);
        Assert.Equal("no eager peers", eager.Description);
        Assert.Equal(0, eager.Data["eager"]);
        Assert.Equal(3, Assert.IsType<PlumtreeCheckDetail>(result.Data["peers"]).Data["total"]);
    }

    [Fact]
    public async Task A_node_not_started_yet_is_unhealthy()
    {
        var result = await Check(new FakeNode(), new PlumtreeStartupState());

        Assert.Equal(MsStatus.Unhealthy, result.Status);
        Assert.Contains("not started", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_whose_health_throws_is_unhealthy_with_the_reason()
    {
        var node = new FakeNode { MaxMessageSize = 1, SnapshotFailure = "loop stopped" };

        var result = await Check(node, Started());

        Assert.Equal(MsStatus.Unhealthy, result.Status);
        Assert.Contains("loop stopped", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_not_joined_the_last_join_failure_is_part_of_the_message()
    {
        var state = Started();
        state.MarkJoinFailed("10.0.0.9:7946: connection refused");
        var node = new FakeNode { IsJoined = false, Health = new NodeHealth(NodeStatus.Unhealthy, "no peers", new Dictionary<string, NodeCheck>()) };

        var result = await Check(node, state);

        Assert.Contains("no peers", result.Description, StringComparison.Ordinal);
        Assert.Contains("connection refused", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_healthy_node_whose_seeds_are_not_reached_yet_is_degraded_and_says_so()
    {
        // The node counts as a lone seed (Healthy by its own checks) from its start; the hosted service is still joining.
        var node = new FakeNode { IsJoined = true, Health = new NodeHealth(NodeStatus.Healthy, "1 alive member", new Dictionary<string, NodeCheck>()) };
        var state = Started();

        var joining = await Check(node, state);
        Assert.Equal(MsStatus.Degraded, joining.Status);
        Assert.Contains("joining", joining.Description, StringComparison.Ordinal);
        Assert.Equal(NodeStatus.Degraded, Assert.IsType<PlumtreeCheckDetail>(joining.Data[PlumtreeHealthCheck.JoinCheck]).Status);

        state.MarkJoinFailed("10.0.0.9:7946: connection refused");
        state.MarkReady(ReadyReason.JoinTimedOut);
        var failing = await Check(node, state);
        Assert.Equal(MsStatus.Degraded, failing.Status);
        Assert.Contains("not joined: last join round: 10.0.0.9:7946: connection refused", failing.Description, StringComparison.Ordinal);

        state.MarkReady(ReadyReason.Joined); // a later round reached a seed: the error is cleared
        var healthy = await Check(node, state);
        Assert.Equal(MsStatus.Healthy, healthy.Status);
        Assert.False(healthy.Data.ContainsKey(PlumtreeHealthCheck.JoinCheck));
    }
}
