using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Tests;

/// <summary>
/// Anti-entropy in the simulator (<c>--sync</c>): one real <c>SyncEngine</c> per node, driven as the node drives it. A
/// partition of 100 nodes into 2 groups for 10 cycles, the groups taking turns to broadcast (5 messages per side), then
/// healed and run on.
/// </summary>
public sealed class SyncScenarioTests
{
    private const int Nodes = 100;
    private const int Warmup = 10;
    private const int PartitionCycles = 10;

    private static SimConfig Partition(bool sync, int cyclesAfterHeal = 60, int seed = 7) =>
        Sim.Small(SimMode.Plumtree, Nodes, Warmup + PartitionCycles + cyclesAfterHeal, Warmup, seed) with
        {
            Scenario = Scenario.Partition,
            PartitionGroups = 2,
            PartitionCycles = PartitionCycles,
            Senders = SenderMode.Groups,
            Sync = sync,
        };

    [Fact]
    public void The_groups_take_turns_so_each_side_broadcasts_five_messages_during_the_partition()
    {
        var (result, _) = Sim.Run(Partition(sync: false, cyclesAfterHeal: 1));

        Assert.Equal([5, 5], result.Consistency!.PartitionMessagesByGroup);
        Assert.Equal(Warmup + PartitionCycles, result.Consistency.HealCycle);
    }

    [Fact]
    public void Without_sync_the_messages_of_the_partition_never_reach_the_other_side()
    {
        var (result, _) = Sim.Run(Partition(sync: false));
        var k = result.Consistency!;

        Assert.Null(result.Sync);
        Assert.Equal(10, k.PartitionMessages);
        Assert.True(k.PartitionReliability <= 0.6, $"held {k.PartitionReliability:P2} of the pairs; each message should reach about its own side only");
        Assert.Null(k.SecondsToConsistency);
        Assert.Null(k.CyclesToConsistency);
        Assert.Equal(k.PartitionMissingPairs, k.MissingPairs); // after the heal the tree reaches everyone again
        Assert.Equal(0, result.DuplicateDeliveries);
    }

    [Fact]
    public void With_sync_every_live_node_holds_every_message_after_the_heal_each_delivered_once()
    {
        var (result, _) = Sim.Run(Partition(sync: true));
        var k = result.Consistency!;
        var sync = result.Sync!;

        Assert.Equal(0, k.MissingPairs);
        Assert.Equal(1.0, k.PartitionReliability);
        Assert.NotNull(k.SecondsToConsistency);
        Assert.True(k.CyclesToConsistency >= 1);
        Assert.Equal(0, result.DuplicateDeliveries);
        Assert.Equal(0, result.UntrackedDeliveries);
        Assert.Equal(0, result.UnknownPeer);

        // What the tree could not deliver, sync did: every recovery is one delivery, and at least the other side's messages
        // were recovered by every node (5 messages × about half the nodes).
        Assert.Equal(sync.Total.MessagesRecovered, sync.RecoveredDeliveries);
        Assert.True(k.PartitionRecoveredBySync >= 5 * Nodes / 3, $"{k.PartitionRecoveredBySync} recoveries");
        Assert.True(sync.AtHeal!.RoundsStarted < sync.Total.RoundsStarted);
        Assert.True(sync.BytesAfterHealPerNodeMean > 0);
        Assert.True(sync.Total.Failures[Plumtree.Sync.SyncFailure.Timeout] > 0, "rounds across the cut time out");
    }

    [Fact]
    public void Re_injecting_recovered_messages_lets_the_tree_deliver_most_of_them()
    {
        var (plain, _) = Sim.Run(Partition(sync: true));
        var (reinjected, _) = Sim.Run(Partition(sync: true) with { SyncReinject = true });
        var k = reinjected.Consistency!;

        Assert.Equal(0, k.MissingPairs);
        Assert.Equal(0, reinjected.DuplicateDeliveries);
        // Every recovered message is re-injected but the few that sync fetched while the tree still carried them
        // (younger than BroadcastEngine.ReinjectMinAge).
        Assert.InRange(reinjected.Sync!.Reinjected, reinjected.Sync.RecoveredDeliveries * 9 / 10, reinjected.Sync.RecoveredDeliveries);
        Assert.True(
            k.PartitionRecoveredBySync < plain.Consistency!.PartitionRecoveredBySync / 2,
            $"sync delivered {k.PartitionRecoveredBySync} with re-injection, {plain.Consistency.PartitionRecoveredBySync} without");
        // A message sync fetched first and the tree brought after is refused by the sync store (delivered once): only
        // those not re-injected, since a re-injected one is known to the tree.
        Assert.InRange(reinjected.Sync.RefusedDeliveries, 0, reinjected.Sync.RecoveredDeliveries - reinjected.Sync.Reinjected);
    }

    [Fact]
    public void With_split_views_a_few_returning_members_get_an_immediate_round_and_the_heal_cycle_ends_consistent()
    {
        var config = Partition(sync: true, cyclesAfterHeal: 5) with { PartitionViews = PartitionViews.Split };
        var (result, _) = Sim.Run(config);
        var k = result.Consistency!;
        var sync = result.Sync!;

        Assert.Equal(0, k.MissingPairs);
        Assert.Equal(1, k.CyclesToConsistency);
        Assert.Equal(0, result.DuplicateDeliveries);

        // The node's rule: members that come back get a round at once, but at most SyncEngine.MaxImmediateRounds of a
        // burst (a random sample), not one per member of the other group; the periodic round may add one per node.
        var roundsAfterHeal = sync.Total.RoundsStarted - sync.AtHeal!.RoundsStarted;
        Assert.True(roundsAfterHeal >= Nodes, $"{roundsAfterHeal} rounds after the heal: every node runs an immediate round");
        Assert.True(roundsAfterHeal <= Nodes * (Plumtree.Sync.SyncEngine.MaxImmediateRounds + 1), $"{roundsAfterHeal} rounds after the heal: at most {Plumtree.Sync.SyncEngine.MaxImmediateRounds} immediate rounds per node");
    }

    [Fact]
    public void Sync_with_the_Plumtree_peers_only_also_reaches_full_consistency()
    {
        var (result, _) = Sim.Run(Partition(sync: true) with { SyncPeers = SyncPeers.Overlay });

        Assert.Equal(0, result.Consistency!.MissingPairs);
        Assert.NotNull(result.Consistency.SecondsToConsistency);
        Assert.Equal(0, result.DuplicateDeliveries);
    }

    [Fact]
    public void Sync_in_event_mode_reaches_full_consistency()
    {
        // 2 broadcasts/s: 120 cycles after the heal are 60 s, 12 sync intervals (a message held by one node at the heal
        // spreads by sync alone in about log2(n) intervals).
        var config = Partition(sync: true, cyclesAfterHeal: 120) with { EventMode = true, Rate = 2, SyncIntervalCycles = 10 };
        var (result, _) = Sim.Run(config);

        Assert.Equal(TimeSpan.FromSeconds(5), result.Sync!.Options.Interval); // 10 cycles at 2 broadcasts/s
        Assert.Equal(0, result.Consistency!.MissingPairs);
        Assert.Equal(0, result.DuplicateDeliveries);
    }

    [Fact]
    public void A_sync_run_is_reproducible_byte_for_byte()
    {
        var config = Partition(sync: true, cyclesAfterHeal: 20) with { SyncReinject = true, Loss = 0.02 };

        Assert.Equal(Sim.StableJson(Sim.Run(config).Result), Sim.StableJson(Sim.Run(config).Result));
    }

    [Fact]
    public void Sync_does_not_change_what_the_tree_delivers_in_a_stable_run()
    {
        var config = Sim.Small(SimMode.Plumtree, nodes: 200, cycles: 30, warmup: 5) with { Senders = SenderMode.Many, Sync = true };
        var (result, _) = Sim.Run(config);

        Assert.All(result.Records, r => Assert.Equal(1.0, r.Reliability));
        Assert.Equal(0, result.DuplicateDeliveries);
        Assert.Null(result.Consistency);
        Assert.True(result.Sync!.Total.RoundsCompleted > 0);
    }

    [Theory]
    [InlineData("--sync needs --mode plumtree")]
    [InlineData("--sync-reinject needs --sync")]
    [InlineData("--sync-interval-cycles")]
    public void Invalid_sync_settings_are_refused(string expected)
    {
        var config = expected switch
        {
            "--sync needs --mode plumtree" => new SimConfig { Mode = SimMode.Flood, Sync = true },
            "--sync-reinject needs --sync" => new SimConfig { SyncReinject = true },
            _ => new SimConfig { Sync = true, SyncIntervalCycles = 0.001 },
        };

        Assert.Contains(config.Validate(), e => e.Contains(expected, StringComparison.Ordinal));
    }
}
