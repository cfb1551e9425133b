using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class StateRulesTests
{
    private static readonly string Self = EngineHarness.SelfName;

    private static EngineHarness Started(MembershipOptions? options = null)
    {
        var h = new EngineHarness((options ?? MembershipOptions.Lan) with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(3);
        h.AllRespond();
        return h;
    }

    private static IEnumerable<Alive> AlivesAbout(EngineHarness h, string node) =>
        h.Output.AllMessages().Select(m => m.Message).OfType<Alive>().Where(a => a.Node == node);

    [Fact]
    public void Start_announces_this_node_alive_at_incarnation_1_and_raises_join_for_itself()
    {
        var h = new EngineHarness();
        var self = h.Engine.LocalNode;
        Assert.Equal(1u, self.Incarnation);
        Assert.Equal(MemberState.Alive, self.State);
        Assert.Equal(new MemberVersions(1, 5, 2, 0, 0, 0), self.Versions);
        Assert.Equal(MemberEventKind.Join, Assert.Single(h.Output.Events).Kind);
        h.AddNodes(1);
        h.Advance(TimeSpan.FromSeconds(1));
        var alive = Assert.Single(AlivesAbout(h, Self).Distinct());
        Assert.Equal(new Alive(1, Self, [10, 0, 0, 1], 7946, null, new ProtocolVersions(1, 5, 2, 0, 0, 0)), alive);
    }

    [Fact]
    public void A_suspicion_about_this_node_is_refuted_with_a_higher_incarnation()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(1), new Suspect(7, Self, "n1"));
        Assert.Equal(8u, h.Engine.LocalNode.Incarnation);
        Assert.Equal(MemberState.Alive, h.Engine.LocalNode.State);
        Assert.Equal(1, h.Engine.Counters.Refutes);
        Assert.Equal(1, h.Engine.HealthScore);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(AlivesAbout(h, Self), a => a.Incarnation == 8);
    }

    [Fact]
    public void A_refutation_beats_both_the_accusation_and_the_local_counter()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(1), new Dead(0, Self, "n1"));
        Assert.Equal(1u, h.Engine.LocalNode.Incarnation);
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, Self, "n1"));
        Assert.Equal(2u, h.Engine.LocalNode.Incarnation);
        Assert.Equal(MemberState.Alive, h.Engine.LocalNode.State);
        h.Receive(EngineHarness.EndPointOf(1), new Dead(10, Self, "n1"));
        Assert.Equal(11u, h.Engine.LocalNode.Incarnation);
        Assert.Equal(2, h.Engine.Counters.Refutes);
        Assert.DoesNotContain(h.Output.Events, e => e.Member.Name == Self && e.Kind is MemberEventKind.Dead or MemberEventKind.Left);
    }

    [Fact]
    public void An_alive_about_this_node_with_other_meta_is_refuted_and_an_identical_one_is_not()
    {
        var h = Started();
        var me = new Alive(1, Self, [10, 0, 0, 1], 7946, null, new ProtocolVersions(1, 5, 2, 0, 0, 0));
        h.Receive(EngineHarness.EndPointOf(1), me);
        Assert.Equal(0, h.Engine.Counters.Refutes);
        h.Receive(EngineHarness.EndPointOf(1), me with { Meta = [1, 2, 3] });
        Assert.Equal(1, h.Engine.Counters.Refutes);
        Assert.Equal(2u, h.Engine.LocalNode.Incarnation);
        Assert.True(h.Engine.LocalNode.Meta.IsEmpty);
    }

    [Fact]
    public void Dead_from_the_node_itself_means_left_and_from_another_means_dead()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, "n1", "n1"));
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n2", "n3"));
        Assert.Equal(MemberState.Left, h.Member("n1").State);
        Assert.Equal(MemberState.Dead, h.Member("n2").State);
        Assert.Contains(h.Output.Events, e => e.Kind == MemberEventKind.Left && e.Member.Name == "n1");
        Assert.Contains(h.Output.Events, e => e.Kind == MemberEventKind.Dead && e.Member.Name == "n2");

        // Both are gossiped on; a second dead about a dead node is ignored.
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n2", "n1"));
        h.Advance(TimeSpan.FromSeconds(1));
        var deads = h.Output.AllMessages().Select(m => m.Message).OfType<Dead>().Distinct().ToList();
        Assert.Contains(new Dead(1, "n1", "n1"), deads);
        Assert.Contains(new Dead(1, "n2", "n3"), deads);
        Assert.DoesNotContain(new Dead(1, "n2", "n1"), deads);
    }

    [Fact]
    public void A_node_declared_dead_that_announces_its_own_leave_is_listed_as_left_and_the_notice_gossiped_on()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n2", "n3"));
        Assert.Equal(MemberState.Dead, h.Member("n2").State);

        // An older leave notice changes nothing; the node's own notice at its incarnation makes it left.
        h.Receive(EngineHarness.EndPointOf(1), new Dead(0, "n2", "n2"));
        Assert.Equal(MemberState.Dead, h.Member("n2").State);
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, "n2", "n2"));
        Assert.Equal(MemberState.Left, h.Member("n2").State);
        Assert.Equal([MemberEventKind.Join, MemberEventKind.Dead, MemberEventKind.Left], h.Output.Events.Where(e => e.Member.Name == "n2").Select(e => e.Kind));

        // Gossiped on; a repeat, or a dead from another node about the left node, changes nothing more.
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, "n2", "n2"));
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n2", "n3"));
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(new Dead(1, "n2", "n2"), h.Output.AllMessages().Select(m => m.Message).OfType<Dead>());
        Assert.Equal(MemberState.Left, h.Member("n2").State);
        Assert.Equal(3, h.Output.Events.Count(e => e.Member.Name == "n2"));
    }

    [Fact]
    public void Alive_messages_apply_only_with_a_newer_incarnation_and_raise_join_update_alive()
    {
        var h = Started();
        var joins = h.Output.Events.Count(e => e.Kind == MemberEventKind.Join);
        Assert.Equal(4, joins);

        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 1, meta: [9]));
        Assert.True(h.Member("n1").Meta.IsEmpty);

        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 2, meta: [9]));
        Assert.Equal([9], h.Member("n1").MetaBytes());
        Assert.Equal(MemberEventKind.Update, h.Output.Events[^1].Kind);

        h.Receive(EngineHarness.EndPointOf(2), new Dead(2, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 3, meta: [9]));
        Assert.Equal(MemberEventKind.Join, h.Output.Events[^1].Kind);
        Assert.Equal(MemberState.Alive, h.Member("n1").State);

        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(AlivesAbout(h, "n1"), a => a.Incarnation == 3);
    }

    [Fact]
    public void Alive_messages_with_bad_protocol_versions_are_ignored()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(9), EngineHarness.AliveOf("n9", 9) with { Vsn = new ProtocolVersions(0, 5, 2, 0, 0, 0) });
        h.Receive(EngineHarness.EndPointOf(9), EngineHarness.AliveOf("n9", 9) with { Vsn = new ProtocolVersions(3, 2, 2, 0, 0, 0) });
        Assert.Null(h.Engine.GetMember("n9"));
        Assert.Equal(2, h.Engine.Counters.Ignored);
    }

    [Fact]
    public void An_alive_message_without_protocol_versions_is_ignored()
    {
        // memberlist stores it as version 0, and every later push/pull then fails its version check.
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(9), EngineHarness.AliveOf("n9", 9) with { Vsn = null });
        Assert.Null(h.Engine.GetMember("n9"));
        Assert.Equal(1, h.Engine.Counters.Ignored);

        // A known member's alive without versions neither updates it nor wipes its versions.
        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 7) with { Vsn = null });
        Assert.NotEqual(7u, h.Member("n1").Incarnation);
        Assert.Equal(2, h.Engine.Counters.Ignored);
    }

    [Fact]
    public void A_conflicting_address_for_a_live_name_is_ignored()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(7), EngineHarness.AliveOf("n1", 7, incarnation: 9));
        Assert.Equal(EngineHarness.EndPointOf(1), h.Member("n1").EndPoint);
        Assert.Equal(1u, h.Member("n1").Incarnation);
        Assert.Equal(1, h.Engine.Counters.Conflicts);
    }

    [Fact]
    public void A_left_node_name_may_be_taken_by_a_new_address()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(1), new Dead(3, "n1", "n1"));
        h.Receive(EngineHarness.EndPointOf(7), EngineHarness.AliveOf("n1", 7, incarnation: 1));
        Assert.Equal(EngineHarness.EndPointOf(7), h.Member("n1").EndPoint);
        Assert.Equal(MemberState.Alive, h.Member("n1").State);
        Assert.Equal(MemberEventKind.Join, h.Output.Events[^1].Kind);
    }

    [Fact]
    public void A_dead_node_name_is_reclaimable_only_after_DeadNodeReclaimTime()
    {
        var never = Started();
        never.Receive(EngineHarness.EndPointOf(2), new Dead(1, "n1", "n2"));
        never.Advance(TimeSpan.FromSeconds(20));
        never.Receive(EngineHarness.EndPointOf(7), EngineHarness.AliveOf("n1", 7, incarnation: 5));
        Assert.Equal(MemberState.Dead, never.Member("n1").State);
        Assert.Equal(1, never.Engine.Counters.Conflicts);

        var reclaim = Started(MembershipOptions.Lan with { DeadNodeReclaimTime = TimeSpan.FromSeconds(10) });
        reclaim.Receive(EngineHarness.EndPointOf(2), new Dead(1, "n1", "n2"));
        reclaim.Advance(TimeSpan.FromSeconds(5));
        reclaim.Receive(EngineHarness.EndPointOf(7), EngineHarness.AliveOf("n1", 7, incarnation: 5));
        Assert.Equal(MemberState.Dead, reclaim.Member("n1").State);
        reclaim.Advance(TimeSpan.FromSeconds(6));
        reclaim.Receive(EngineHarness.EndPointOf(7), EngineHarness.AliveOf("n1", 7, incarnation: 5));
        Assert.Equal(MemberState.Alive, reclaim.Member("n1").State);
        Assert.Equal(EngineHarness.EndPointOf(7), reclaim.Member("n1").EndPoint);
    }

    [Fact]
    public void Dead_and_left_nodes_are_gossiped_to_until_GossipToTheDeadTime_then_forgotten_at_a_round_end()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(2), new Dead(1, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n3", "n3"));
        var deadAt = h.Now;

        h.Advance(TimeSpan.FromSeconds(20));
        var before = h.Output.Packets.Count;
        h.Engine.QueueUserBroadcast([42]);
        h.Advance(TimeSpan.FromSeconds(2));
        var targets = h.Output.Packets.Skip(before).Where(p => p.Messages.Contains(new UserMessage([42]))).Select(p => p.To).ToHashSet();
        Assert.Contains(EngineHarness.EndPointOf(1), targets);
        Assert.DoesNotContain(EngineHarness.EndPointOf(3), targets);
        Assert.NotNull(h.Engine.GetMember("n1"));
        Assert.NotNull(h.Engine.GetMember("n3"));

        h.RunUntil(deadAt + TimeSpan.FromSeconds(30));
        before = h.Output.Packets.Count;
        h.Engine.QueueUserBroadcast([43]);
        h.Advance(TimeSpan.FromSeconds(2));
        targets = h.Output.Packets.Skip(before).Where(p => p.Messages.Contains(new UserMessage([43]))).Select(p => p.To).ToHashSet();
        Assert.DoesNotContain(EngineHarness.EndPointOf(1), targets);

        // Forgotten at the end of the next probe round.
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(h.Engine.GetMember("n1"));
        Assert.Null(h.Engine.GetMember("n3"));
        Assert.Equal(2, h.Engine.Counters.Reaped);
        Assert.Equal(["n2", Self], h.Engine.Members.Select(m => m.Name).Order());
    }

    [Fact]
    public void Updating_meta_gossips_a_newer_alive_and_raises_update_for_this_node()
    {
        var h = Started();
        h.Engine.UpdateMeta(new byte[] { 1, 2 }, h.Now);
        Assert.Equal(2u, h.Engine.LocalNode.Incarnation);
        Assert.Equal([1, 2], h.Engine.LocalNode.MetaBytes());
        Assert.Equal(MemberEventKind.Update, h.Output.Events[^1].Kind);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(AlivesAbout(h, Self), a => a.Incarnation == 2 && a.Meta!.SequenceEqual(new byte[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => h.Engine.UpdateMeta(new byte[513], h.Now));
    }

    [Fact]
    public void Members_snapshot_lists_every_node_with_its_state()
    {
        var h = Started();
        h.Receive(EngineHarness.EndPointOf(1), new Suspect(1, "n1", "n2"));
        var members = h.Engine.Members.ToDictionary(m => m.Name);
        Assert.Equal(4, members.Count);
        Assert.Equal(MemberState.Suspect, members["n1"].State);
        Assert.Equal(IPAddress.Parse("10.0.1.2"), members["n2"].Address);
        Assert.Equal(7946, members["n2"].Port);
        Assert.Equal(new MemberVersions(1, 5, 2, 0, 0, 0), members["n2"].Versions);
    }
}
