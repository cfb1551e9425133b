using Plumtree.Interop.Tests.Infrastructure;
using Plumtree.Membership;
using Plumtree.Node;
using static Plumtree.Interop.Tests.Infrastructure.InteropHarness;

namespace Plumtree.Interop.Tests;

/// <summary>Our node (serf compatibility, <c>local</c> profile) in clusters of real serf 0.9.4 agents.</summary>
[Trait("Category", "Interop")]
public sealed class SerfClusterTests
{
    private static readonly Dictionary<string, string> SerfTags = new(StringComparer.Ordinal) { ["role"] = "serf" };

    [Fact]
    public Task Our_node_joins_two_serf_agents_and_both_sides_list_each_other_alive_with_tags() => RunAsync(async h =>
    {
        var s1 = await h.StartSerfAsync("s1", SerfTags);
        var s2 = await h.StartSerfAsync("s2", SerfTags, join: [s1.EndPoint]);
        var options = NodeOptions("pt1", zone: "z1");
        options.Tags["role"] = "plumtree";
        var node = await h.StartNodeAsync(options);

        var contacted = await node.JoinAsync([s1.EndPoint], Poll.Ct);

        Assert.Equal(1, contacted);
        foreach (var agent in new[] { s1, s2 })
        {
            var members = await UntilSerfListsAsync(agent, "alive", "s1", "s2", "pt1");
            var us = members.Single(m => m.Name == "pt1");
            Assert.Equal("2", us.Tags?["pt"]);
            Assert.Equal("z1", us.Tags?["zone"]);
            Assert.Equal("plumtree", us.Tags?["role"]);
            Assert.Equal(node.AdvertisedEndPoint.Port, us.Port);
        }

        await UntilNodeSeesAliveAsync(node, "s1", "s2");
        Assert.All(node.Members.Where(m => m.Name != "pt1"), m =>
        {
            Assert.Equal("serf", m.Tags["role"]);
            Assert.False(m.IsPlumtreePeer);
        });
        h.Report($"serf sees pt1 with tags; pt1 sees: {Describe(node)}");
    });

    [Fact]
    public Task A_serf_agent_killed_with_SIGKILL_is_marked_dead_within_the_time_memberlists_formula_predicts() => RunAsync(async h =>
    {
        var s1 = await h.StartSerfAsync("s1", SerfTags);
        var s2 = await h.StartSerfAsync("s2", SerfTags, join: [s1.EndPoint]);
        var node = await h.StartNodeAsync(NodeOptions("pt1"));
        await node.JoinAsync([s1.EndPoint], Poll.Ct);
        await UntilNodeSeesAliveAsync(node, "s1", "s2");
        await UntilSerfListsAsync(s2, "alive", "s1", "pt1");

        var killedAt = h.Log.Elapsed;
        await s2.KillAsync();
        await Poll.UntilAsync(
            () => StateOf(node, "s2") == MemberState.Dead,
            () => $"our node marks the killed agent s2 dead; it lists: {Describe(node)}");

        // memberlist's formulas for our node (local profile) with n = 3 known nodes (pt1, s1, s2).
        var o = MembershipOptions.Local;
        const int known = 3;
        var min = MembershipFormulas.SuspicionMin(o.SuspicionMult, known, o.ProbeInterval);
        var max = MembershipFormulas.SuspicionMax(o.SuspicionMult, o.SuspicionMaxTimeoutMult, known, o.ProbeInterval);
        var k = MembershipFormulas.ExpectedConfirmations(o.SuspicionMult, known);
        var noConfirmation = MembershipFormulas.SuspicionTimeout(min, max, k, 0);
        var allConfirmations = MembershipFormulas.SuspicionTimeout(min, max, k, k);

        // Until the first failed probe: the round-robin reaches s2 within one round of the other (n - 1) members,
        // and that probe fails at the end of its (unscaled: health score 0) probe interval.
        var firstProbeFailure = o.ProbeInterval * known;
        var bound = firstProbeFailure + noConfirmation;

        var suspected = h.Logging.First("pt1", "s2", MemberEventKind.Suspect, killedAt);
        var dead = h.Logging.First("pt1", "s2", MemberEventKind.Dead, killedAt);
        Assert.NotNull(dead);
        var detection = dead.At - killedAt;
        h.Report($"formula (memberlist, local profile, n = {known}): suspicion min = SuspicionMult {o.SuspicionMult} x max(1, log10({known})) x ProbeInterval {Seconds(o.ProbeInterval)} = {Seconds(min)}; "
                 + $"max = {o.SuspicionMaxTimeoutMult} x min = {Seconds(max)}; expected confirmations k = {k}; timeout {Seconds(noConfirmation)} with no confirmation, {Seconds(allConfirmations)} with {k}");
        h.Report($"bound: first failed probe <= n x ProbeInterval = {Seconds(firstProbeFailure)}, + suspicion timeout (no confirmation) {Seconds(noConfirmation)} = {Seconds(bound)}");
        h.Report($"measured: SIGKILL -> first suspicion {(suspected is null ? "(none logged: dead came first)" : Seconds(suspected.At - killedAt))}, "
                 + $"-> dead {Seconds(detection)}{(suspected is null ? "" : $" (suspicion lasted {Seconds(dead.At - suspected.At)})")}");
        Assert.True(
            detection <= bound + DetectionSlack,
            $"Detection took {Seconds(detection)}; memberlist's formula bounds it by {Seconds(bound)} (+{Seconds(DetectionSlack)} scheduling slack).");
        if (suspected is not null)
        {
            Assert.True(dead.At - suspected.At <= max + DetectionSlack, $"The suspicion lasted {Seconds(dead.At - suspected.At)}, more than the formula's maximum {Seconds(max)}.");
        }

        // serf's own view agrees: the killed agent is failed, we are alive.
        await UntilSerfListsAsync(s1, "failed", "s2");
        await UntilSerfListsAsync(s1, "alive", "pt1");
    });

    [Fact]
    public Task Our_graceful_leave_shows_as_left_in_serf_not_failed_and_a_rejoin_is_taken_back() => RunAsync(async h =>
    {
        var s1 = await h.StartSerfAsync("s1", SerfTags);
        var s2 = await h.StartSerfAsync("s2", SerfTags, join: [s1.EndPoint]);
        var node = await h.StartNodeAsync(NodeOptions("pt1"));
        await node.JoinAsync([s1.EndPoint], Poll.Ct);
        await UntilSerfListsAsync(s1, "alive", "pt1");
        await UntilSerfListsAsync(s2, "alive", "pt1");

        await node.LeaveAsync(TimeSpan.FromSeconds(5), Poll.Ct);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var agent in new[] { s1, s2 })
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var status = (await agent.MembersAsync()).SingleOrDefault(m => m.Name == "pt1")?.Status ?? "(absent)";
                    seen.Add($"{agent.Name}:{status}");
                    return status == "left";
                },
                () => $"serf agent {agent.Name} lists pt1 as left; statuses seen: {string.Join(", ", seen)}");
        }

        h.Report($"serf statuses of pt1 seen while leaving: {string.Join(", ", seen)}");
        Assert.DoesNotContain(seen, s => s.EndsWith(":failed", StringComparison.Ordinal));

        // The node may come back: serf takes it in as alive again.
        await node.JoinAsync([s2.EndPoint], Poll.Ct);
        await UntilSerfListsAsync(s1, "alive", "pt1");
        await UntilSerfListsAsync(s2, "alive", "pt1");
        await UntilNodeSeesAliveAsync(node, "s1", "s2");
    });

    [Fact]
    public Task A_serf_agent_that_leaves_gracefully_is_listed_as_left_by_our_node() => RunAsync(async h =>
    {
        var s1 = await h.StartSerfAsync("s1", SerfTags);
        var s2 = await h.StartSerfAsync("s2", SerfTags, join: [s1.EndPoint]);
        var node = await h.StartNodeAsync(NodeOptions("pt1"));
        await node.JoinAsync([s1.EndPoint], Poll.Ct);
        await UntilNodeSeesAliveAsync(node, "s1", "s2");
        await UntilSerfListsAsync(s2, "alive", "pt1");

        var (exitCode, output) = await s2.LeaveAsync();

        Assert.True(exitCode == 0, $"serf leave failed: {output}");
        await Poll.UntilAsync(
            () => StateOf(node, "s2") == MemberState.Left,
            () => $"our node lists s2 as left; it lists: {Describe(node)}");
        Assert.DoesNotContain(h.Logging.MemberEvents, e => e.Member == "s2" && e.Kind is MemberEventKind.Dead or MemberEventKind.Suspect);
        await UntilSerfListsAsync(s1, "left", "s2");
    });

    [Fact]
    public Task Two_of_our_nodes_and_two_serf_agents_each_see_all_four_alive_and_broadcasts_stay_among_ours() => RunAsync(async h =>
    {
        // Joins go both ways: our node dials a serf agent, a serf agent dials our node, our node dials our node.
        var s1 = await h.StartSerfAsync("s1", SerfTags);
        var pt1 = await h.StartNodeAsync(NodeOptions("pt1", zone: "a"));
        await pt1.JoinAsync([s1.EndPoint], Poll.Ct);
        var s2 = await h.StartSerfAsync("s2", SerfTags, join: [pt1.AdvertisedEndPoint]);
        var pt2 = await h.StartNodeAsync(NodeOptions("pt2", zone: "b"));
        await pt2.JoinAsync([pt1.AdvertisedEndPoint], Poll.Ct);

        string[] all = ["s1", "s2", "pt1", "pt2"];
        foreach (var agent in new[] { s1, s2 })
        {
            await UntilSerfListsAsync(agent, "alive", all);
        }

        foreach (var node in new[] { pt1, pt2 })
        {
            await UntilNodeSeesAliveAsync(node, all);
        }

        // Plumtree peers are our nodes only (the pt tag); a broadcast reaches the other one of ours.
        await Poll.UntilAsync(
            () => pt1.EagerPeers.Concat(pt1.LazyPeers).SequenceEqual(["pt2"]) && pt2.EagerPeers.Concat(pt2.LazyPeers).SequenceEqual(["pt1"]),
            () => $"pt1 and pt2 are each other's only Plumtree peer (pt1: {string.Join(",", pt1.EagerPeers.Concat(pt1.LazyPeers))}; pt2: {string.Join(",", pt2.EagerPeers.Concat(pt2.LazyPeers))})");
        var delivered = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        pt2.MessageReceived += m =>
        {
            if (m.From is not null)
            {
                delivered.TrySetResult(m.Payload.ToArray());
            }
        };
        await pt1.BroadcastAsync("hello from pt1"u8.ToArray(), Poll.Ct);
        Assert.Equal("hello from pt1"u8.ToArray(), await delivered.Task.WaitAsync(Poll.Deadline, Poll.Ct));

        // Nothing of ours reached serf as a message it does not understand.
        Assert.DoesNotContain(s1.LogLines.Concat(s2.LogLines), l => l.Contains("unknown", StringComparison.OrdinalIgnoreCase));
        h.Report($"pt1 sees {Describe(pt1)}; pt2 sees {Describe(pt2)}; s1 sees {Describe(await s1.MembersAsync())}; s2 sees {Describe(await s2.MembersAsync())}");
    });

    /// <summary>Scheduling slack on a shared two-core machine (the loop, the timer and process start-up).</summary>
    private static readonly TimeSpan DetectionSlack = TimeSpan.FromSeconds(1.5);
}
