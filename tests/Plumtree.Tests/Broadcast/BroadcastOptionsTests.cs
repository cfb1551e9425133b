using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

public sealed class BroadcastOptionsTests
{
    public static TheoryData<string, BroadcastOptions> BadValues()
    {
        var d = new BroadcastOptions();
        return new TheoryData<string, BroadcastOptions>
        {
            { nameof(BroadcastOptions.EagerFanout), d with { EagerFanout = 0 } },
            { nameof(BroadcastOptions.LazyFanout), d with { LazyFanout = -1 } },
            { nameof(BroadcastOptions.LazyFanout), d with { EagerFanout = 40, LazyFanout = 25 } },
            { nameof(BroadcastOptions.IHaveInterval), d with { IHaveInterval = TimeSpan.FromMilliseconds(-1) } },
            { nameof(BroadcastOptions.IHaveBatchSize), d with { IHaveBatchSize = 0 } },
            { nameof(BroadcastOptions.IHaveBatchSize), d with { IHaveBatchSize = 4097 } },
            { nameof(BroadcastOptions.GraftTimeout), d with { GraftTimeout = TimeSpan.Zero } },
            { nameof(BroadcastOptions.GraftRetryTimeout), d with { GraftRetryTimeout = TimeSpan.Zero } },
            { nameof(BroadcastOptions.MaxGraftAttempts), d with { MaxGraftAttempts = 0 } },
            { nameof(BroadcastOptions.MaxAnnouncers), d with { MaxAnnouncers = 0 } },
            { nameof(BroadcastOptions.MaxAnnouncers), d with { MaxAnnouncers = 65 } },
            { nameof(BroadcastOptions.GraftRepairRounds), d with { GraftRepairRounds = -1 } },
            { nameof(BroadcastOptions.GraftRepairRounds), d with { GraftRepairRounds = 101 } },
            { nameof(BroadcastOptions.GraftRepairInterval), d with { GraftRepairInterval = TimeSpan.Zero } },
            { nameof(BroadcastOptions.GraftRepairInterval), d with { GraftRepairInterval = TimeSpan.FromHours(2) } },
            { nameof(BroadcastOptions.ParkTime), d with { ParkTime = TimeSpan.FromMilliseconds(-1) } },
            { nameof(BroadcastOptions.ParkTime), d with { ParkTime = TimeSpan.FromMinutes(11) } },
            { nameof(BroadcastOptions.MaxParkedSenders), d with { MaxParkedSenders = -1 } },
            { nameof(BroadcastOptions.MaxParkedSenders), d with { MaxParkedSenders = 4097 } },
            { nameof(BroadcastOptions.MaxParkedFramesPerSender), d with { MaxParkedFramesPerSender = 0 } },
            { nameof(BroadcastOptions.MaxParkedFramesPerSender), d with { MaxParkedFramesPerSender = 4097 } },
            { nameof(BroadcastOptions.OptimizationThreshold), d with { OptimizationThreshold = 0 } },
            { nameof(BroadcastOptions.OptimizationConfirmations), d with { OptimizationConfirmations = 0 } },
            { nameof(BroadcastOptions.OptimizationConfirmations), d with { OptimizationConfirmations = 65 } },
            { nameof(BroadcastOptions.OptimizationTimeThreshold), d with { OptimizationTimeThreshold = TimeSpan.FromMilliseconds(-1) } },
            { nameof(BroadcastOptions.OptimizationTimeThreshold), d with { OptimizationTimeThreshold = TimeSpan.FromMinutes(2) } },
            { nameof(BroadcastOptions.SharedTreeRoots), d with { SharedTreeRoots = 0 } },
            { nameof(BroadcastOptions.SharedTreeRoots), d with { SharedTreeRoots = 17 } },
            { nameof(BroadcastOptions.SharedTreeHysteresis), d with { SharedTreeHysteresis = TimeSpan.FromMilliseconds(-1) } },
            { nameof(BroadcastOptions.SharedTreeHysteresis), d with { SharedTreeHysteresis = TimeSpan.FromMinutes(2) } },
            { nameof(BroadcastOptions.SharedTreeInterval), d with { SharedTreeInterval = TimeSpan.FromMilliseconds(99) } },
            { nameof(BroadcastOptions.SharedTreeInterval), d with { SharedTreeInterval = TimeSpan.FromHours(2) } },
            { nameof(BroadcastOptions.OptimizationRepairWindow), d with { OptimizationRepairWindow = TimeSpan.FromSeconds(-1) } },
            { nameof(BroadcastOptions.OptimizationRepairWindow), d with { OptimizationRepairWindow = TimeSpan.FromDays(2) } },
            { nameof(BroadcastOptions.PruneDelay), d with { PruneDelay = TimeSpan.FromMilliseconds(-1) } },
            { nameof(BroadcastOptions.PruneDelay), d with { PruneDelay = TimeSpan.FromMinutes(2) } },
            { nameof(BroadcastOptions.CacheTtl), d with { CacheTtl = TimeSpan.Zero } },
            { nameof(BroadcastOptions.CacheMaxEntries), d with { CacheMaxEntries = 0 } },
            { nameof(BroadcastOptions.DedupHorizon), d with { DedupHorizon = TimeSpan.FromSeconds(59) } },
            { nameof(BroadcastOptions.DedupMaxEntries), d with { DedupMaxEntries = 9_999 } },
            { nameof(BroadcastOptions.MaxProtectedNeighbors), d with { MaxProtectedNeighbors = -1 } },
            { nameof(BroadcastOptions.MaxProtectedNeighbors), d with { MaxProtectedNeighbors = 7 } },
            { nameof(BroadcastOptions.MaxProtectedNeighbors), d with { EagerFanout = 3, LazyFanout = 2, MaxProtectedNeighbors = 5 } },
            { nameof(BroadcastOptions.MaxMessageSize), d with { MaxMessageSize = 0 } },
            { nameof(BroadcastOptions.OverlayRepairInterval), d with { OverlayRepairInterval = TimeSpan.Zero } },
            { nameof(BroadcastOptions.NeighborRefusalTtl), d with { NeighborRefusalTtl = TimeSpan.FromSeconds(-1) } },
        };
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Each_bad_key_is_reported_by_name_and_alone(string key, BroadcastOptions options)
    {
        var error = Assert.Single(options.Validate());
        Assert.StartsWith(key + ":", error, StringComparison.Ordinal);

        var thrown = Assert.Throws<ArgumentException>(() => options.ThrowIfInvalid());
        Assert.Contains(key, thrown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new BroadcastEngine("self", options, new RecordingOutput(), new Random(1)));
    }

    [Fact]
    public void Several_bad_keys_are_all_named()
    {
        var options = new BroadcastOptions { EagerFanout = 0, CacheTtl = TimeSpan.Zero, MaxMessageSize = 0 };

        var message = Assert.Throws<ArgumentException>(() => options.ThrowIfInvalid()).Message;

        Assert.Contains("EagerFanout", message, StringComparison.Ordinal);
        Assert.Contains("CacheTtl", message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageSize", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repair_and_parking_default_to_three_rounds_one_full_round_apart_and_five_seconds_for_64_by_64_frames()
    {
        var d = new BroadcastOptions();

        Assert.Equal((3, null), (d.GraftRepairRounds, d.GraftRepairInterval));
        Assert.Equal(TimeSpan.FromMilliseconds(700), d.EffectiveGraftRepairInterval); // 200 ms + 5 × 100 ms
        Assert.Equal(TimeSpan.FromMilliseconds(3500), BroadcastOptions.Wan.EffectiveGraftRepairInterval); // 1 s + 5 × 500 ms
        Assert.Equal(TimeSpan.FromSeconds(2), (d with { GraftRepairInterval = TimeSpan.FromSeconds(2) }).EffectiveGraftRepairInterval);
        Assert.Equal((TimeSpan.FromSeconds(5), 64, 64), (d.ParkTime, d.MaxParkedSenders, d.MaxParkedFramesPerSender));
        Assert.Empty((d with { GraftRepairRounds = 0, ParkTime = TimeSpan.Zero, MaxParkedSenders = 0 }).Validate()); // 0 turns them off
    }

    [Theory]
    [InlineData("lan")]
    [InlineData("wan")]
    [InlineData("large_cluster")]
    [InlineData("paper")]
    public void Every_preset_is_valid(string name) => Assert.Empty(BroadcastOptions.FromPreset(name).Validate());

    [Fact]
    public void The_paper_preset_is_a_degree_5_all_eager_unbatched_overlay_with_damping_for_many_senders()
    {
        var single = BroadcastOptions.Paper(manySenders: false);
        var many = BroadcastOptions.Paper(manySenders: true);

        Assert.Equal((5, 0, TimeSpan.Zero, false), (single.EagerFanout, single.LazyFanout, single.IHaveInterval, single.ProtectRingNeighbors));
        Assert.Equal((3, 1), (single.OptimizationThreshold, single.OptimizationConfirmations));
        Assert.Equal((3, 3), (many.OptimizationThreshold, many.OptimizationConfirmations));
        Assert.Empty(many.Validate());
    }

    [Fact]
    public void The_shared_tree_is_off_by_default_with_16_candidate_roots_5_ms_hysteresis_and_adverts_every_5_s()
    {
        var d = new BroadcastOptions();
        Assert.Equal((false, 16, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(5)), (d.SharedTree, d.SharedTreeRoots, d.SharedTreeHysteresis, d.SharedTreeInterval));
        Assert.All(new[] { "lan", "wan", "large_cluster", "paper" }, name => Assert.False(BroadcastOptions.FromPreset(name).SharedTree));
    }

    [Fact]
    public void An_unknown_preset_is_an_error_naming_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => BroadcastOptions.FromPreset("fast"));
        Assert.Contains("large_cluster", error.Message, StringComparison.Ordinal);
    }
}
