using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class PushPullTests
{
    private static readonly ProtocolVersions Plain = new(1, 5, 2, 0, 0, 0);
    private static readonly ProtocolVersions Serf = new(1, 5, 2, 2, 5, 4);

    private static PushNodeState Node(string name, int i, NodeStateKind state, uint incarnation = 1, byte[]? meta = null, ProtocolVersions? vsn = null) =>
        new(name, EngineHarness.EndPointOf(i).Address.GetAddressBytes(), 7946, meta, incarnation, state, vsn ?? Plain);

    private static EngineHarness Started()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(4);
        h.AllRespond();
        return h;
    }

    [Fact]
    public void Merge_takes_alive_as_alive_left_as_left_and_dead_or_suspect_only_as_local_suspicion()
    {
        var h = Started();
        var remote = new PushPull(false,
        [
            Node("n1", 1, NodeStateKind.Alive, incarnation: 2, meta: [7]),
            Node("n2", 2, NodeStateKind.Left),
            Node("n3", 3, NodeStateKind.Dead),
            Node("n4", 4, NodeStateKind.Suspect),
            Node("n5", 5, NodeStateKind.Alive),
            Node("n6", 6, NodeStateKind.Dead),
        ], [1, 2, 3]);

        var result = h.Engine.PushPullReceived(EngineHarness.EndPointOf(9), remote, h.Now);
        Assert.Null(result.MergeError);

        Assert.Equal(MemberState.Alive, h.Member("n1").State);
        Assert.Equal([7], h.Member("n1").MetaBytes());
        Assert.Equal(MemberState.Left, h.Member("n2").State);
        Assert.Equal(MemberState.Suspect, h.Member("n3").State);
        Assert.Equal(MemberState.Suspect, h.Member("n4").State);
        Assert.Equal(MemberState.Alive, h.Member("n5").State);
        Assert.Null(h.Engine.GetMember("n6"));
        var merged = Assert.Single(h.Output.MergedUserStates);
        Assert.Equal([1, 2, 3], merged.State);
        Assert.False(merged.Join);

        var kinds = h.Output.Events.Skip(5).Select(e => (e.Kind, e.Member.Name)).ToList();
        Assert.Equal(
            [(MemberEventKind.Update, "n1"), (MemberEventKind.Left, "n2"), (MemberEventKind.Suspect, "n3"), (MemberEventKind.Suspect, "n4"), (MemberEventKind.Join, "n5")],
            kinds);

        // The suspicions are this node's own.
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(h.Output.AllMessages(), m => m.Message.Equals(new Suspect(1, "n3", EngineHarness.SelfName)));
        Assert.Equal(1, h.Engine.Counters.PushPullsReceived);
        Assert.Equal(1, h.Engine.Counters.PushPullsMerged);
    }

    [Fact]
    public void The_reply_is_the_local_state_before_the_merge_with_the_requests_join_flag()
    {
        var h = Started();
        h.Output.UserState = [9, 9];
        h.Receive(EngineHarness.EndPointOf(1), new Dead(1, "n1", "n2"));
        var remote = new PushPull(true, [Node("n7", 7, NodeStateKind.Alive)], []);
        var reply = h.Engine.PushPullReceived(EngineHarness.EndPointOf(7), remote, h.Now).Reply;

        Assert.True(reply.Join);
        Assert.Equal([9, 9], reply.UserState);
        var names = reply.Nodes.Select(n => n.Name).Order().ToList();
        Assert.Equal(["n1", "n2", "n3", "n4", EngineHarness.SelfName], names);
        Assert.Equal(NodeStateKind.Dead, reply.Nodes.Single(n => n.Name == "n1").State);
        var self = reply.Nodes.Single(n => n.Name == EngineHarness.SelfName);
        Assert.Equal(new PushNodeState(EngineHarness.SelfName, [10, 0, 0, 1], 7946, null, 1, NodeStateKind.Alive, Plain), self);
        Assert.NotNull(h.Engine.GetMember("n7"));
        Assert.Empty(h.Output.MergedUserStates);
    }

    [Fact]
    public void An_incompatible_delegate_version_rejects_the_whole_merge_with_a_clear_error()
    {
        var h = Started();
        var remote = new PushPull(true, [Node("serf1", 7, NodeStateKind.Alive, vsn: Serf), Node("n8", 8, NodeStateKind.Alive)], []);
        var result = h.Engine.PushPullReceived(EngineHarness.EndPointOf(7), remote, h.Now);

        Assert.Equal("Node 'serf1' delegate protocol version (4) is incompatible: [2, 0]", result.MergeError);
        Assert.Null(h.Engine.GetMember("serf1"));
        Assert.Null(h.Engine.GetMember("n8"));
        Assert.Equal(1, h.Engine.Counters.PushPullFailures);
        Assert.Equal(0, h.Engine.Counters.PushPullsMerged);
    }

    [Fact]
    public void A_serf_compatible_node_merges_with_serf_members_and_rejects_a_plain_one()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { Compatibility = MembershipCompatibility.Serf, PushPullInterval = TimeSpan.Zero });
        var agent = new ProtocolVersions(1, 5, 2, 2, 5, 5);
        var ok = h.Engine.PushPullReceived(EngineHarness.EndPointOf(7), new PushPull(true, [Node("agent", 7, NodeStateKind.Alive, vsn: agent)], []), h.Now);
        Assert.Null(ok.MergeError);
        Assert.Equal(MemberState.Alive, h.Member("agent").State);

        var bad = h.Engine.PushPullReceived(EngineHarness.EndPointOf(8), new PushPull(false, [Node("old", 8, NodeStateKind.Alive, vsn: new ProtocolVersions(1, 5, 2, 0, 0, 0))], []), h.Now);
        Assert.Equal("Node 'old' delegate protocol version (0) is incompatible: [2, 0]", bad.MergeError);
    }

    [Fact]
    public void A_remote_node_without_versions_is_left_out_of_the_check_and_not_merged()
    {
        // memberlist counts it as version 0 and rejects the whole merge; it is a node nobody can judge (every
        // memberlist and serf node sends its versions), so it neither blocks the merge nor joins the table.
        var h = Started();
        var result = h.Engine.PushPullReceived(EngineHarness.EndPointOf(8), new PushPull(true, [Node("n8", 8, NodeStateKind.Alive), Node("fake", 9, NodeStateKind.Alive) with { Vsn = null }], []), h.Now);
        Assert.Null(result.MergeError);
        Assert.Equal(MemberState.Alive, h.Member("n8").State);
        Assert.Null(h.Engine.GetMember("fake"));
    }

    [Fact]
    public void Dead_nodes_of_an_incompatible_version_do_not_block_a_merge_on_either_side()
    {
        var h = Started();

        // A serf-versioned node this plain node once knew, now dead: memberlist 0.2.2 checks it anyway and rejects
        // every push/pull until it is reaped.
        h.Receive(EngineHarness.EndPointOf(7), EngineHarness.AliveOf("serf7", 7) with { Vsn = Serf });
        h.Receive(EngineHarness.EndPointOf(2), new Dead(1, "serf7", "n2"));
        Assert.Equal(MemberState.Dead, h.Member("serf7").State);

        var remote = new PushPull(true, [Node("n8", 8, NodeStateKind.Alive), Node("serf9", 9, NodeStateKind.Dead, vsn: Serf)], []);
        var result = h.Engine.PushPullReceived(EngineHarness.EndPointOf(8), remote, h.Now);
        Assert.Null(result.MergeError);
        Assert.Equal(MemberState.Alive, h.Member("n8").State);
    }

    [Fact]
    public void Join_pushes_and_pulls_with_every_seed_and_reports_when_all_finished()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        var seeds = new[] { EngineHarness.EndPointOf(1), EngineHarness.EndPointOf(2) };
        var joinId = h.Engine.Join(seeds, h.Now);

        Assert.Equal(seeds, h.Output.PushPulls.Select(p => p.To));
        Assert.All(h.Output.PushPulls, p => Assert.True(p.Local.Join));
        Assert.Equal(EngineHarness.SelfName, Assert.Single(h.Output.PushPulls[0].Local.Nodes).Name);

        var reply = new PushPull(true, [Node("n1", 1, NodeStateKind.Alive), Node("n3", 3, NodeStateKind.Alive)], []);
        Assert.Null(h.Engine.PushPullCompleted(h.Output.PushPulls[0].Id, reply, null, h.Now));
        Assert.Empty(h.Output.Joins);
        Assert.Equal("connection refused", h.Engine.PushPullCompleted(h.Output.PushPulls[1].Id, null, "connection refused", h.Now));

        var result = Assert.Single(h.Output.Joins);
        Assert.Equal(joinId, result.JoinId);
        Assert.Equal(1, result.Succeeded);
        Assert.Equal(["10.0.1.2:7946: connection refused"], result.Errors);
        Assert.Equal(MemberState.Alive, h.Member("n3").State);
    }

    [Fact]
    public void A_push_pull_the_runtime_never_reports_times_out()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.Engine.Join([EngineHarness.EndPointOf(1)], h.Now);
        h.Advance(h.Options.TcpTimeout * 2);
        var result = Assert.Single(h.Output.Joins);
        Assert.Equal(0, result.Succeeded);
        Assert.Contains("Timed out", result.Errors[0], StringComparison.Ordinal);
        Assert.NotNull(h.Engine.PushPullCompleted(h.Output.PushPulls[0].Id, new PushPull(true, [], []), null, h.Now));
    }

    [Fact]
    public void Periodic_push_pull_starts_after_a_random_stagger_and_repeats_every_interval_with_an_alive_node()
    {
        var h = new EngineHarness(MembershipOptions.Lan);
        h.AddNodes(3);
        h.AllRespond();
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n3", "n3"));
        h.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(h.Output.PushPulls);
        h.Advance(TimeSpan.FromSeconds(30));
        var first = Assert.Single(h.Output.PushPulls);
        h.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(3, h.Output.PushPulls.Count);
        Assert.All(h.Output.PushPulls, p =>
        {
            Assert.False(p.Local.Join);
            Assert.Contains(p.To, new[] { EngineHarness.EndPointOf(1), EngineHarness.EndPointOf(2) });
        });
        _ = first;
    }

    [Fact]
    public void Tcp_pings_are_answered_only_when_addressed_to_this_node()
    {
        var h = new EngineHarness();
        Assert.Equal(new Ack(4), h.Engine.ReceiveTcpPing(new Ping(4, EngineHarness.SelfName), h.Now));
        Assert.Equal(new Ack(5), h.Engine.ReceiveTcpPing(new Ping(5, ""), h.Now));
        Assert.Null(h.Engine.ReceiveTcpPing(new Ping(6, "other"), h.Now));
    }
}
