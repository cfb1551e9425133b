using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class LeaveTests
{
    private static readonly Dead LeaveMessage = new(1, EngineHarness.SelfName, EngineHarness.SelfName);

    [Fact]
    public void Leave_completes_once_the_leave_broadcast_went_out_its_full_retransmit_count()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(3);
        h.AllRespond();
        h.Advance(TimeSpan.FromSeconds(3));
        h.Engine.Leave(h.Now, TimeSpan.FromSeconds(10));

        Assert.Equal(MemberState.Left, h.Engine.LocalNode.State);
        Assert.Equal(MemberEventKind.Left, h.Output.Events[^1].Kind);
        Assert.Empty(h.Output.Leaves);

        while (h.Output.Leaves.Count == 0)
        {
            h.Advance(TimeSpan.FromMilliseconds(50));
            Assert.True(h.Now < TimeSpan.FromSeconds(13), "leave did not complete");
        }

        Assert.True(h.Output.Leaves[0]);
        var limit = MembershipFormulas.RetransmitLimit(4, 4);
        Assert.Equal(limit, h.Output.AllMessages().Count(m => m.Message.Equals(LeaveMessage)));

        // Later accusations are not refuted any more, and the node does not take itself back.
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, EngineHarness.SelfName, "n1"));
        h.Receive(EngineHarness.EndPointOf(1), new Alive(5, EngineHarness.SelfName, [10, 0, 0, 1], 7946, null, new ProtocolVersions(1, 5, 2, 0, 0, 0)));
        Assert.Equal(0, h.Engine.Counters.Refutes);
        Assert.Equal(MemberState.Left, h.Engine.LocalNode.State);
    }

    [Fact]
    public void Leave_reports_a_timeout_when_the_broadcast_could_not_go_out()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(3);
        h.Engine.Leave(h.Now, TimeSpan.FromMilliseconds(1));
        h.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([false], h.Output.Leaves);
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([false], h.Output.Leaves);
    }

    [Fact]
    public void Leave_completes_at_once_when_nobody_else_is_alive()
    {
        var h = new EngineHarness();
        h.AddNodes(1);
        h.Receive(EngineHarness.EndPointOf(2), new Dead(1, "n1", "n2"));
        h.Engine.Leave(h.Now, TimeSpan.FromSeconds(5));
        Assert.Equal([true], h.Output.Leaves);
        h.Engine.Leave(h.Now, TimeSpan.FromSeconds(5));
        Assert.Equal([true], h.Output.Leaves);
    }

    [Fact]
    public void Others_mark_a_leaving_node_left_and_stop_probing_it()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(2);
        h.AllRespond();
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, "n1", "n1"));
        Assert.Equal(MemberState.Left, h.Member("n1").State);
        var before = h.Output.Packets.Count;
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(h.Output.Packets.Skip(before), p => p.To.Equals(EngineHarness.EndPointOf(1)));
    }
}
