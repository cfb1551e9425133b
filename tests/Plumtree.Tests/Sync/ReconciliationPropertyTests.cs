using CsCheck;
using Plumtree.Sync;

namespace Plumtree.Tests.Sync;

/// <summary>Running a round to completion finds exactly the symmetric difference, in bounded round trips and pages.</summary>
public sealed class ReconciliationPropertyTests
{
    private const long Iterations = 1_200;

    /// <summary>Deepest possible descent (42 levels at B = 8, two levels per round trip) plus the first fingerprint and the last answer.</summary>
    private const int MaxRoundTripsDefaultPage = 24;

    [Fact]
    public void A_round_finds_exactly_the_symmetric_difference() =>
        SyncScenario.Gen.Sample(scenario =>
        {
            var run = SyncRun.Execute(scenario.Initiator, scenario.Responder, new ReconcilerOptions());
            AssertExact(scenario, run);
            Assert.InRange(run.RoundTrips, 1, MaxRoundTripsDefaultPage);
        }, iter: Iterations);

    [Fact]
    public void Every_shape_of_the_round_finds_exactly_the_symmetric_difference() =>
        Gen.Select(SyncScenario.Gen, Gen.Int[1, 6], Gen.Int[4, 16], Gen.Int[0, 8], Gen.ULong).Sample((scenario, bits, fingerprint, threshold, salt) =>
        {
            var options = new ReconcilerOptions { BranchBits = bits, FingerprintBytes = fingerprint, IdListThreshold = threshold };
            var run = SyncRun.Execute(scenario.Initiator, scenario.Responder, options, salt: salt);
            AssertExact(scenario, run);
        }, iter: Iterations);

    [Fact]
    public void A_tiny_page_still_converges_and_no_message_exceeds_it() =>
        Gen.Select(SyncScenario.Gen, Gen.Int[0, 300]).Sample((scenario, extra) =>
        {
            var options = new ReconcilerOptions();
            options = options with { PageLimit = options.MinimumPageLimit + extra };
            var run = SyncRun.Execute(scenario.Initiator, scenario.Responder, options, maxRoundTrips: 2_000);
            AssertExact(scenario, run);
            Assert.InRange(run.LargestToResponder, 1, options.PageLimit);
            Assert.InRange(run.LargestToInitiator, 1, options.PageLimit);
        }, iter: Iterations);

    [Fact]
    public void Pages_split_a_large_difference_over_several_round_trips()
    {
        var scenario = SyncScenario.Build(4, 3_000, 0, 0, seed: 7); // the initiator holds nothing, the responder 3,000 ids
        var options = new ReconcilerOptions { PageLimit = 2_048 };
        var run = SyncRun.Execute(scenario.Initiator, scenario.Responder, options);
        AssertExact(scenario, run);
        Assert.True(run.RoundTrips > 3_000 * 11 / 2_048, $"{run.RoundTrips} round trips cannot carry 3,000 ids in 2 KiB pages");
        Assert.InRange(run.LargestToInitiator, 1, 2_048);
    }

    [Fact]
    public void Sets_in_sync_cost_one_round_trip_of_a_few_bytes()
    {
        var scenario = SyncScenario.Build(1, 10_000, 0, 0, seed: 3);
        var run = SyncRun.Execute(scenario.Initiator, scenario.Responder, new ReconcilerOptions());
        Assert.True(run.Complete);
        Assert.Equal(1, run.RoundTrips);
        Assert.Empty(run.Difference.Need);
        Assert.Empty(run.Difference.Have);
        Assert.InRange(run.BytesToResponder, 1, 128);
        Assert.InRange(run.BytesToInitiator, 1, 128);
    }

    [Fact]
    public void The_responder_adopts_the_initiators_shape_and_its_own_page() =>
        Gen.Select(SyncScenario.Gen, Gen.Int[0, 2_000]).Sample((scenario, extra) =>
        {
            var initiator = new ReconcilerOptions { BranchBits = 2, FingerprintBytes = 12, IdListThreshold = 1 };
            var responder = new ReconcilerOptions { BranchBits = 5, FingerprintBytes = 4, IdListThreshold = 6 };
            responder = responder with { PageLimit = ReconcilerOptions.MinimumPage(2, 12, 6) + extra };
            var run = SyncRun.Execute(scenario.Initiator, scenario.Responder, initiator, responder, maxRoundTrips: 2_000);
            AssertExact(scenario, run);
            Assert.InRange(run.LargestToInitiator, 1, responder.PageLimit);
        }, iter: 300);

    private static void AssertExact(SyncScenario scenario, SyncRun run)
    {
        Assert.True(run.Complete, $"not complete after {run.RoundTrips} round trips: {scenario}");
        Assert.Equal(scenario.OnlyResponder, run.Difference.Need.Order().ToArray());
        Assert.Equal(scenario.OnlyInitiator, run.Difference.Have.Order().ToArray());
    }
}
