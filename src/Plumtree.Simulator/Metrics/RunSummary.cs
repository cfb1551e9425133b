namespace Plumtree.Simulator.Metrics;

/// <summary>The aggregate figures of one run. Means are over the cycles after warm-up.</summary>
internal sealed record RunSummary
{
    public double ReliabilityMin { get; init; }

    public double ReliabilityMean { get; init; }

    public double? RmrMean { get; init; }

    public double? RmrMax { get; init; }

    public double LdhMean { get; init; }

    public int LdhMax { get; init; }

    public double PayloadPerBroadcast { get; init; }

    public double ControlPerBroadcast { get; init; }

    /// <summary>Mean Tree frames (shared-tree adverts) per broadcast.</summary>
    public double TreeFramesPerBroadcast { get; init; }

    /// <summary>Mean control frames per broadcast, by kind (order of <see cref="CycleRecord.ControlTypes"/>).</summary>
    public required IReadOnlyList<double> ControlByType { get; init; }

    public double MembershipControlPerCycle { get; init; }

    public double TimeToLastDeliveryMeanMs { get; init; }

    public double TimeToLastDeliveryMaxMs { get; init; }

    /// <summary>With <see cref="SimConfig.ShortestPaths"/>: mean over broadcasts of the flood time over the same overlay, in ms.</summary>
    public double? ShortestPathMeanMs { get; init; }

    /// <summary>With <see cref="SimConfig.ShortestPaths"/>: mean over broadcasts of time to last delivery / that flood time.</summary>
    public double? ShortestPathRatioMean { get; init; }

    /// <summary>With <see cref="SimConfig.ShortestPaths"/>: largest such ratio of one broadcast.</summary>
    public double? ShortestPathRatioMax { get; init; }

    /// <summary>With <see cref="SimConfig.ShortestPaths"/>: mean over broadcasts of the time over the central shared tree, in ms.</summary>
    public double? CentralTreeMeanMs { get; init; }

    /// <summary>Kill scenario: reliability of the last cycle before the failure.</summary>
    public double? PreFailureReliability { get; init; }

    /// <summary>Kill scenario: reliability of the first broadcast after the failure.</summary>
    public double? FirstAfterFailureReliability { get; init; }

    /// <summary>Kill scenario: cycles after the failure until reliability is back at its pre-failure value (null: never).</summary>
    public int? HealingCycles { get; init; }

    /// <summary>Churn scenario: LDH mean and max during the failure cycles, and after them.</summary>
    public double? LdhDuringFailuresMean { get; init; }

    public int? LdhDuringFailuresMax { get; init; }

    public double? LdhAfterFailuresMean { get; init; }

    public int? LdhAfterFailuresMax { get; init; }

    /// <summary>Computes the summary of <paramref name="result"/>.</summary>
    public static RunSummary From(SimResult result)
    {
        var config = result.Config;
        var measured = result.Records.Where(r => r.Cycle >= config.Warmup).ToList();
        if (measured.Count == 0)
        {
            measured = [.. result.Records];
        }

        var rmrs = measured.Where(r => r.Rmr.HasValue).Select(r => r.Rmr!.Value).ToList();
        var byType = new double[CycleRecord.ControlTypes.Length];
        for (var t = 0; t < byType.Length; t++)
        {
            byType[t] = measured.Average(r => (double)r.ControlByType[t]);
        }

        double? pre = null, first = null;
        int? healing = null;
        double? ldhDuringMean = null, ldhAfterMean = null;
        int? ldhDuringMax = null, ldhAfterMax = null;
        var start = config.FailureStart;
        if (config.Scenario is Scenario.Kill or Scenario.ZoneKill && start < result.Records.Count)
        {
            pre = start > 0 ? result.Records[start - 1].Reliability : 1.0;
            first = result.Records[start].Reliability;
            for (var c = start; c < result.Records.Count; c++)
            {
                if (result.Records[c].Reliability >= pre.Value - 1e-12)
                {
                    healing = c - start;
                    break;
                }
            }
        }

        if (config.Scenario == Scenario.Churn)
        {
            var during = result.Records.Where(r => r.Cycle >= start && r.Cycle < start + config.ChurnCycles).ToList();
            var after = result.Records.Where(r => r.Cycle >= start + config.ChurnCycles).ToList();
            if (during.Count > 0)
            {
                ldhDuringMean = during.Average(r => r.Ldh);
                ldhDuringMax = during.Max(r => r.Ldh);
            }

            if (after.Count > 0)
            {
                ldhAfterMean = after.Average(r => r.Ldh);
                ldhAfterMax = after.Max(r => r.Ldh);
            }
        }

        var bounded = measured.Where(r => r.ShortestPathMs is > 0).ToList();
        return new RunSummary
        {
            ShortestPathMeanMs = bounded.Count > 0 ? bounded.Average(r => r.ShortestPathMs!.Value) : null,
            ShortestPathRatioMean = bounded.Count > 0 ? bounded.Average(r => r.TimeToLastDeliveryMs / r.ShortestPathMs!.Value) : null,
            ShortestPathRatioMax = bounded.Count > 0 ? bounded.Max(r => r.TimeToLastDeliveryMs / r.ShortestPathMs!.Value) : null,
            CentralTreeMeanMs = measured.Any(r => r.CentralTreeMs.HasValue) ? measured.Where(r => r.CentralTreeMs.HasValue).Average(r => r.CentralTreeMs!.Value) : null,
            ReliabilityMin = measured.Min(r => r.Reliability),
            ReliabilityMean = measured.Average(r => r.Reliability),
            RmrMean = rmrs.Count > 0 ? rmrs.Average() : null,
            RmrMax = rmrs.Count > 0 ? rmrs.Max() : null,
            LdhMean = measured.Average(r => r.Ldh),
            LdhMax = measured.Max(r => r.Ldh),
            PayloadPerBroadcast = measured.Average(r => (double)r.Payload),
            ControlPerBroadcast = measured.Average(r => (double)r.Control),
            TreeFramesPerBroadcast = measured.Average(r => (double)r.TreeFrames),
            ControlByType = byType,
            MembershipControlPerCycle = measured.Average(r => (double)r.MembershipControl),
            TimeToLastDeliveryMeanMs = measured.Average(r => r.TimeToLastDeliveryMs),
            TimeToLastDeliveryMaxMs = measured.Max(r => r.TimeToLastDeliveryMs),
            PreFailureReliability = pre,
            FirstAfterFailureReliability = first,
            HealingCycles = healing,
            LdhDuringFailuresMean = ldhDuringMean,
            LdhDuringFailuresMax = ldhDuringMax,
            LdhAfterFailuresMean = ldhAfterMean,
            LdhAfterFailuresMax = ldhAfterMax,
        };
    }
}
