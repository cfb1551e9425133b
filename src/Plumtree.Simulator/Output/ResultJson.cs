using System.Text;
using System.Text.Json;
using Plumtree.Simulator.Core;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Output;

/// <summary>
/// Writes a run as one JSON object with a fixed property order. Doubles are rounded (reliability to 6
/// places, RMR to 4, means to 3) so the same run gives the same bytes; only <c>wall_seconds</c> and
/// <c>peak_memory_bytes</c> vary between identical runs.
/// </summary>
internal static class ResultJson
{
    /// <summary>Property names that vary between identical runs.</summary>
    public static readonly string[] VolatileProperties = ["wall_seconds", "peak_memory_bytes"];

    public static string Write(SimResult result, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, result);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter w, SimResult result)
    {
        var c = result.Config;
        var s = RunSummary.From(result);
        w.WriteStartObject();
        w.WriteNumber("nodes", c.Nodes);
        w.WriteNumber("cycles", c.Cycles);
        w.WriteNumber("warmup", c.Warmup);
        w.WriteNumber("seed", c.Seed);
        w.WriteString("mode", c.Mode == SimMode.Plumtree ? "plumtree" : "flood");
        w.WriteString("senders", c.Senders switch { SenderMode.Single => "single", SenderMode.Many => "many", _ => "groups" });
        w.WriteString("scenario", c.Scenario.ToString().ToLowerInvariant());
        w.WriteString("optimization", c.Optimization ? "on" : "off");
        if (c.Mode == SimMode.Plumtree && c.Optimization)
        {
            var engine = Simulation.EngineOptions(c);
            w.WriteNumber("optimization_threshold", engine.OptimizationThreshold);
            w.WriteNumber("optimization_confirmations", engine.OptimizationConfirmations);
            if (engine.LatencyOptimization)
            {
                w.WriteString("latency_optimization", "on");
                w.WriteNumber("optimization_time_threshold_ms", Round(engine.OptimizationTimeThreshold.TotalMilliseconds, 3));
            }
        }

        if (c.Mode == SimMode.Plumtree)
        {
            w.WriteNumber("graft_repair_rounds", Simulation.EngineOptions(c).GraftRepairRounds);
            if (Simulation.EngineOptions(c) is { SharedTree: true } tree)
            {
                w.WriteString("shared_tree", "on");
                w.WriteNumber("shared_tree_roots", tree.SharedTreeRoots);
                w.WriteNumber("shared_tree_hysteresis_ms", Round(tree.SharedTreeHysteresis.TotalMilliseconds, 3));
                w.WriteNumber("shared_tree_interval_ms", Round(tree.SharedTreeInterval.TotalMilliseconds, 3));
            }
        }

        w.WriteString("time_model", c.EventMode ? "event" : "cycle");
        w.WriteNumber("degree", c.Degree);
        if (c.Scenario == Scenario.Kill)
        {
            w.WriteNumber("kill_percent", Round(c.KillPercent, 3));
        }

        if (c.Scenario == Scenario.Churn)
        {
            w.WriteNumber("churn_per_cycle", c.ChurnPerCycle);
            w.WriteNumber("churn_cycles", c.ChurnCycles);
        }

        if (c.Scenario == Scenario.Partition)
        {
            w.WriteNumber("partition_groups", c.PartitionGroups);
            w.WriteNumber("partition_cycles", c.PartitionCycles);
            if (c.PartitionViews == PartitionViews.Split)
            {
                w.WriteString("partition_views", "split");
            }
        }

        if (!c.Splice)
        {
            w.WriteString("splice", "off");
        }

        if (c.Zoned)
        {
            w.WriteNumber("zones", c.Zones);
            w.WriteString("zone_aware", c.ZoneAware ? "on" : "off");
            w.WriteString("link_timers", c.LinkTimers ? "on" : "off");
            if (c.LinkTimers)
            {
                var engine = Simulation.EngineOptions(c);
                w.WriteNumber("graft_rtt_factor", Round(engine.GraftRttFactor, 3));
                w.WriteNumber("cross_zone_graft_floor_ms", Round(engine.CrossZoneGraftFloor.TotalMilliseconds, 3));
            }
            if (c.EventMode && c.CrossZoneLatencyMinMs is { } crossMin)
            {
                w.WriteNumber("cross_zone_latency_min_ms", Round(crossMin, 3));
                w.WriteNumber("cross_zone_latency_max_ms", Round(c.CrossZoneLatencyMaxMs ?? crossMin, 3));
            }
        }

        if (c.Sync)
        {
            w.WriteNumber("sync_interval_cycles", Round(c.SyncIntervalCycles, 3));
            w.WriteBoolean("sync_reinject", c.SyncReinject);
            w.WriteString("sync_peers", c.SyncPeers == SyncPeers.View ? "view" : "overlay");
        }

        if (c.EventMode)
        {
            w.WriteNumber("latency_min_ms", Round(c.LatencyMinMs, 3));
            w.WriteNumber("latency_max_ms", Round(c.LatencyMaxMs, 3));
            w.WriteNumber("rate", Round(c.Rate, 3));
            w.WriteNumber("detection_ms", Round(c.DetectionMs, 3));
        }
        else
        {
            w.WriteNumber("detection_cycles", c.DetectionCycles);
        }

        w.WriteNumber("loss", Round(c.Loss, 6));

        w.WriteNumber("reliability_min", Round(s.ReliabilityMin, 6));
        w.WriteNumber("reliability_mean", Round(s.ReliabilityMean, 6));
        WriteNullable(w, "rmr_mean", s.RmrMean, 4);
        WriteNullable(w, "rmr_max", s.RmrMax, 4);
        w.WriteNumber("ldh_mean", Round(s.LdhMean, 3));
        w.WriteNumber("ldh_max", s.LdhMax);
        w.WriteNumber("payload_per_broadcast", Round(s.PayloadPerBroadcast, 3));
        w.WriteNumber("control_per_broadcast", Round(s.ControlPerBroadcast, 3));
        w.WriteStartObject("control_by_type");
        for (var t = 0; t < CycleRecord.ControlTypes.Length; t++)
        {
            w.WriteNumber(CycleRecord.ControlTypes[t].ToString().ToLowerInvariant(), Round(s.ControlByType[t], 3));
        }

        w.WriteEndObject();
        if (c.SharedTree)
        {
            w.WriteNumber("tree_frames_per_broadcast", Round(s.TreeFramesPerBroadcast, 3));
        }

        w.WriteNumber("membership_control_per_cycle", Round(s.MembershipControlPerCycle, 3));
        if (c.EventMode)
        {
            w.WriteNumber("time_to_last_delivery_mean_ms", Round(s.TimeToLastDeliveryMeanMs, 3));
            w.WriteNumber("time_to_last_delivery_max_ms", Round(s.TimeToLastDeliveryMaxMs, 3));
            if (s.ShortestPathMeanMs is { } bound)
            {
                w.WriteNumber("same_overlay_flood_mean_ms", Round(bound, 3));
                w.WriteNumber("ratio_to_same_overlay_flood_mean", Round(s.ShortestPathRatioMean!.Value, 4));
                w.WriteNumber("ratio_to_same_overlay_flood_max", Round(s.ShortestPathRatioMax!.Value, 4));
                if (s.CentralTreeMeanMs is { } central)
                {
                    w.WriteNumber("central_shared_tree_mean_ms", Round(central, 3));
                }
            }
        }

        WriteNullable(w, "pre_failure_reliability", s.PreFailureReliability, 6);
        WriteNullable(w, "first_after_failure_reliability", s.FirstAfterFailureReliability, 6);
        if (s.HealingCycles is { } healing)
        {
            w.WriteNumber("healing_cycles", healing);
        }
        else
        {
            w.WriteNull("healing_cycles");
        }

        if (c.Scenario == Scenario.Churn)
        {
            WriteNullable(w, "ldh_during_failures_mean", s.LdhDuringFailuresMean, 3);
            WriteNullable(w, "ldh_during_failures_max", s.LdhDuringFailuresMax, 0);
            WriteNullable(w, "ldh_after_failures_mean", s.LdhAfterFailuresMean, 3);
            WriteNullable(w, "ldh_after_failures_max", s.LdhAfterFailuresMax, 0);
        }

        w.WriteStartArray("bootstrap_rmr");
        foreach (var r in result.Records.Take(4))
        {
            WriteNullableValue(w, r.Rmr, 4);
        }

        w.WriteEndArray();
        w.WriteStartObject("join");
        w.WriteNumber("control", result.BootstrapControl.Sum());
        w.WriteNumber("virtual_seconds", Round(result.JoinSeconds, 3));
        WriteOverlay(w, "overlay", result.OverlayAfterJoin);
        if (c.Mode == SimMode.Plumtree)
        {
            WriteNullable(w, "full_seconds", result.JoinFullSeconds, 3);
            w.WriteNumber("splice_frames", result.SpliceFramesInJoin);
            w.WriteStartArray("degree_histogram");
            foreach (var count in result.DegreeHistogramAfterJoin)
            {
                w.WriteNumberValue(count);
            }

            w.WriteEndArray();
            w.WriteStartArray("trace");
            foreach (var sample in result.JoinTrace)
            {
                w.WriteStartObject();
                w.WriteNumber("seconds", Round(sample.Seconds, 3));
                w.WriteNumber("missing_link_ends", sample.MissingLinkEnds);
                w.WriteNumber("short_nodes", sample.ShortNodes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        WriteOverlay(w, "overlay_at_end", result.OverlayAtEnd);
        w.WriteStartObject("diagnostics");
        w.WriteNumber("events", result.EventsProcessed);
        w.WriteNumber("frames_sent", result.FramesSent);
        w.WriteNumber("frames_lost", result.FramesLost);
        w.WriteNumber("frames_cut_by_partition", result.FramesCut);
        w.WriteNumber("frames_to_dead", result.FramesToDead);
        w.WriteNumber("unknown_peer", result.UnknownPeer);
        w.WriteNumber("untracked_deliveries", result.UntrackedDeliveries);
        w.WriteNumber("duplicate_deliveries", result.DuplicateDeliveries);
        w.WriteNumber("cut_steps", result.CutSteps);
        if (c.Mode == SimMode.Plumtree)
        {
            var e = result.EngineCounters;
            w.WriteNumber("engine_optimizations", e.Optimizations);
            w.WriteNumber("engine_graft_sent", e.GraftSent);
            w.WriteNumber("engine_repair_rounds", e.RepairRounds);
            w.WriteNumber("engine_graft_failed", e.GraftFailed);
            w.WriteNumber("engine_graft_unserved", e.GraftUnserved);
            w.WriteNumber("engine_prune_sent", e.PruneSent);
            w.WriteNumber("engine_unknown_sender", e.UnknownSender);
            w.WriteNumber("engine_frames_parked", e.FramesParked);
            w.WriteNumber("engine_frames_released", e.FramesReleased);
            w.WriteNumber("engine_park_expired", e.ParkExpired);
            w.WriteNumber("engine_splice_sent", e.SpliceSent);
            w.WriteNumber("engine_splices", e.Splices);
            if (c.SharedTree)
            {
                w.WriteNumber("engine_tree_sent", e.TreeSent);
                w.WriteNumber("engine_tree_parent_changes", e.TreeParentChanges);
                w.WriteNumber("engine_malformed", e.Malformed);
                if (result.SharedTreeAtEnd is { } tree)
                {
                    w.WriteNumber("shared_tree_roots_in_force", tree.Roots);
                    w.WriteNumber("shared_tree_without_root", tree.WithoutRoot);
                    w.WriteNumber("shared_tree_inactive", tree.Inactive);
                    w.WriteNumber("shared_tree_detached", tree.Detached);
                    w.WriteNumber("shared_tree_non_tree_eager_links", tree.NonTreeEager);
                }
            }
        }

        w.WriteEndObject();
        if (result.Consistency is { } k)
        {
            WriteConsistency(w, k);
        }

        if (result.Sync is { } sync)
        {
            WriteSync(w, sync);
        }

        w.WriteNumber("wall_seconds", Round(result.WallSeconds, 3));
        w.WriteNumber("peak_memory_bytes", result.PeakMemoryBytes);

        w.WriteStartArray("per_cycle");
        foreach (var r in result.Records)
        {
            w.WriteStartObject();
            w.WriteNumber("cycle", r.Cycle);
            w.WriteNumber("reliability", Round(r.Reliability, 6));
            WriteNullable(w, "rmr", r.Rmr, 4);
            w.WriteNumber("ldh", r.Ldh);
            w.WriteNumber("payload", r.Payload);
            w.WriteNumber("control", r.Control);
            w.WriteNumber("ihave", r.ControlByType[0]);
            w.WriteNumber("graft", r.ControlByType[1]);
            w.WriteNumber("prune", r.ControlByType[2]);
            w.WriteNumber("overlay", r.ControlByType[3] + r.ControlByType[4]);
            w.WriteNumber("membership_control", r.MembershipControl);
            w.WriteNumber("live", r.Live);
            w.WriteNumber("killed", r.Killed);
            if (c.EventMode)
            {
                w.WriteNumber("ttl_ms", Round(r.TimeToLastDeliveryMs, 3));
                if (r.ShortestPathMs is { } bound)
                {
                    w.WriteNumber("same_overlay_flood_ms", Round(bound, 3));
                    if (r.CentralTreeMs is { } central)
                    {
                        w.WriteNumber("central_shared_tree_ms", Round(central, 3));
                    }
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteConsistency(Utf8JsonWriter w, ConsistencyResult k)
    {
        w.WriteStartObject("consistency");
        w.WriteNumber("live_nodes", k.LiveNodes);
        w.WriteNumber("messages", k.Messages);
        w.WriteNumber("missing_pairs", k.MissingPairs);
        w.WriteNumber("partition_messages", k.PartitionMessages);
        w.WriteStartArray("partition_messages_by_group");
        foreach (var count in k.PartitionMessagesByGroup)
        {
            w.WriteNumberValue(count);
        }

        w.WriteEndArray();
        w.WriteNumber("partition_missing_pairs", k.PartitionMissingPairs);
        w.WriteNumber("partition_reliability", Round(k.PartitionReliability, 6));
        w.WriteNumber("partition_recovered_by_sync", k.PartitionRecoveredBySync);
        w.WriteNumber("tree_bytes_after_heal", k.TreeBytesAfterHeal);
        w.WriteNumber("repair_tree_bytes_after_heal", k.RepairTreeBytesAfterHeal);
        w.WriteNumber("sync_wire_bytes_after_heal", k.SyncWireBytesAfterHeal);
        w.WriteNumber("repair_bytes_per_node", Round(k.RepairBytesPerNode, 3));
        WriteNullable(w, "repair_bytes_per_node_to_consistency", k.RepairBytesPerNodeToConsistency, 3);
        w.WriteNumber("heal_cycle", k.HealCycle);
        w.WriteNumber("heal_seconds", Round(k.HealSeconds, 6));
        WriteNullable(w, "seconds_to_consistency", k.SecondsToConsistency, 6);
        if (k.CyclesToConsistency is { } cycles)
        {
            w.WriteNumber("cycles_to_consistency", cycles);
        }
        else
        {
            w.WriteNull("cycles_to_consistency");
        }

        w.WriteEndObject();
    }

    private static void WriteSync(Utf8JsonWriter w, SyncResult s)
    {
        w.WriteStartObject("sync");
        w.WriteNumber("interval_ms", (long)s.Options.Interval.TotalMilliseconds);
        WriteSyncTotals(w, "total", s.Total);
        if (s.AtPartition is { } atPartition)
        {
            WriteSyncTotals(w, "at_partition", atPartition);
        }

        if (s.AtHeal is { } atHeal)
        {
            WriteSyncTotals(w, "at_heal", atHeal);
        }

        w.WriteNumber("bytes_per_node_mean", Round(s.BytesPerNodeMean, 3));
        w.WriteNumber("bytes_per_node_max", s.BytesPerNodeMax);
        WriteNullable(w, "bytes_after_heal_per_node_mean", s.BytesAfterHealPerNodeMean, 3);
        WriteNullable(w, "bytes_after_heal_per_node_max", s.BytesAfterHealPerNodeMax);
        WriteNullable(w, "background_bytes_per_node_second", s.BackgroundBytesPerNodeSecond, 3);
        w.WriteNumber("frames_sent", s.FramesSent);
        w.WriteNumber("frames_delivered", s.FramesDelivered);
        w.WriteNumber("recovered_deliveries", s.RecoveredDeliveries);
        w.WriteNumber("refused_deliveries", s.RefusedDeliveries);
        w.WriteNumber("reinjected", s.Reinjected);
        w.WriteEndObject();
    }

    private static void WriteSyncTotals(Utf8JsonWriter w, string name, SyncTotals t)
    {
        w.WriteStartObject(name);
        w.WriteNumber("rounds_started", t.RoundsStarted);
        w.WriteNumber("rounds_completed", t.RoundsCompleted);
        w.WriteNumber("rounds_failed", t.RoundsFailed);
        w.WriteStartObject("failures");
        foreach (var (reason, count) in t.Failures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(reason, count);
        }

        w.WriteEndObject();
        w.WriteNumber("messages_recovered", t.MessagesRecovered);
        w.WriteNumber("messages_pushed", t.MessagesPushed);
        w.WriteNumber("messages_served", t.MessagesServed);
        w.WriteNumber("duplicates", t.Duplicates);
        w.WriteNumber("differences_found", t.DifferencesFound);
        w.WriteNumber("stale", t.Stale);
        w.WriteNumber("bytes_sent", t.BytesSent);
        w.WriteNumber("bytes_received", t.BytesReceived);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        w.WritePropertyName(name);
        if (value is { } v)
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static void WriteOverlay(Utf8JsonWriter w, string name, OverlayStats o)
    {
        w.WriteStartObject(name);
        w.WriteNumber("degree_min", o.DegreeMin);
        w.WriteNumber("degree_mean", Round(o.DegreeMean, 4));
        w.WriteNumber("degree_max", o.DegreeMax);
        w.WriteNumber("eager_mean", Round(o.EagerMean, 4));
        w.WriteNumber("asymmetric_links", o.AsymmetricLinks);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, double? value, int digits)
    {
        w.WritePropertyName(name);
        WriteNullableValue(w, value, digits);
    }

    private static void WriteNullableValue(Utf8JsonWriter w, double? value, int digits)
    {
        if (value is { } v)
        {
            w.WriteNumberValue(Round(v, digits));
        }
        else
        {
            w.WriteNullValue();
        }
    }

    /// <summary>Rounds half away from zero and folds -0 into 0, so equal runs print equal text.</summary>
    public static double Round(double value, int digits) =>
        double.IsFinite(value) ? Math.Round(value, digits, MidpointRounding.AwayFromZero) + 0.0 : 0.0;
}
