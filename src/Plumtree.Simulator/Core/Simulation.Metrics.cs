using Plumtree.Broadcast;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Core;

/// <summary>Turning tracks into per-cycle figures, and overlay shape measurements.</summary>
internal sealed partial class Simulation
{
    /// <summary>
    /// Fills <paramref name="record"/> from a finished broadcast, with the paper's definitions: reliability =
    /// delivering live nodes / live nodes (live = not dead by the last delivery); RMR = payload received /
    /// (receivers - 1) - 1 (receivers include the origin); LDH = largest hop at delivery.
    /// </summary>
    private void Finalize(MessageTrack track, CycleRecord record)
    {
        var cutoff = Math.Max(track.SentAt, track.LastDeliveryAt);
        int live = 0, delivered = 0;
        for (var i = 0; i < _n; i++)
        {
            if (_deathTime[i] > cutoff)
            {
                live++;
                if (track.Delivered[i])
                {
                    delivered++;
                }
            }
        }

        record.Live = live;
        record.Delivered = delivered;
        record.Reliability = live == 0 ? 0 : (double)delivered / live;
        record.Payload = track.PayloadReceived;
        record.Rmr = track.DeliveredCount >= 2 ? ((double)track.PayloadReceived / (track.DeliveredCount - 1)) - 1 : null;
        record.Ldh = track.MaxHop;
        record.TimeToLastDeliveryMs = (track.LastDeliveryAt - track.SentAt) / (double)TimeSpan.TicksPerMillisecond;
    }

    /// <summary>Degree statistics of the live overlay, and how many directed links lack their reverse.</summary>
    private OverlayStats MeasureOverlay()
    {
        int min = int.MaxValue, max = 0, asymmetric = 0, nodes = 0;
        long total = 0, eager = 0;
        if (_engines is { } engines)
        {
            // Each live engine's peers as node indices (an engine's eager and lazy sets are disjoint and hold distinct
            // names); a peer the simulator does not know is -1. Arrays and linear scans: peer sets hold a handful.
            var peerSets = new int[]?[_n];
            for (var i = 0; i < _n; i++)
            {
                if (engines[i] is { } engine)
                {
                    var eagerPeers = engine.EagerPeers;
                    var lazyPeers = engine.LazyPeers;
                    var set = new int[eagerPeers.Count + lazyPeers.Count];
                    var k = 0;
                    foreach (var peer in eagerPeers)
                    {
                        set[k++] = IndexOf(peer);
                    }

                    foreach (var peer in lazyPeers)
                    {
                        set[k++] = IndexOf(peer);
                    }

                    eager += eagerPeers.Count;
                    peerSets[i] = set;
                }
            }

            for (var i = 0; i < _n; i++)
            {
                if (peerSets[i] is not { } set)
                {
                    continue;
                }

                nodes++;
                min = Math.Min(min, set.Length);
                max = Math.Max(max, set.Length);
                total += set.Length;
                foreach (var j in set)
                {
                    if (j < 0 || peerSets[j] is not { } back || Array.IndexOf(back, i) < 0)
                    {
                        asymmetric++;
                    }
                }
            }
        }
        else
        {
            for (var i = 0; i < _n; i++)
            {
                if (!_alive[i])
                {
                    continue;
                }

                nodes++;
                var degree = _overlay!.Degree(i);
                min = Math.Min(min, degree);
                max = Math.Max(max, degree);
                total += degree;
                eager += degree;
                foreach (var j in _overlay.Neighbors(i))
                {
                    if (!_alive[j])
                    {
                        asymmetric++;
                    }
                }
            }
        }

        return new OverlayStats(
            nodes == 0 ? 0 : min,
            nodes == 0 ? 0 : (double)total / nodes,
            max,
            nodes == 0 ? 0 : (double)eager / nodes,
            asymmetric);
    }

    /// <summary>
    /// Partition scenario: at the end of the run, which live nodes hold which messages (delivered by the tree or by sync),
    /// and when every live node held every message broadcast before the heal (the last such delivery).
    /// </summary>
    private ConsistencyResult? BuildConsistency()
    {
        if (_config.Scenario != Scenario.Partition || _healAt < 0)
        {
            return null;
        }

        var live = 0;
        for (var i = 0; i < _n; i++)
        {
            if (_alive[i])
            {
                live++;
            }
        }

        long missing = 0, partitionMissing = 0, partitionRecovered = 0;
        int partitionMessages = 0;
        var byGroup = new int[_config.PartitionGroups];
        var consistentAt = _healAt;
        var consistent = true;
        foreach (var track in _trackOrder)
        {
            long held = 0;
            for (var i = 0; i < _n; i++)
            {
                if (_alive[i] && track.Delivered[i])
                {
                    held++;
                }
            }

            var lacking = live - held;
            missing += lacking;
            if (track.Cycle >= _config.FailureStart && track.Cycle < _healCycle)
            {
                partitionMessages++;
                byGroup[_partitionGroup![track.Origin]]++;
                partitionMissing += lacking;
                partitionRecovered += track.RecoveredBySync;
            }

            if (track.Cycle < _healCycle)
            {
                consistent &= lacking == 0;
                consistentAt = Math.Max(consistentAt, track.LastDeliveryAt);
            }
        }

        int? cycles = null;
        double? bytesToConsistency = null;
        if (consistent)
        {
            var c = _cycleStarts.FindLastIndex(start => start.At <= consistentAt);
            cycles = c - _healCycle + 1;

            // Repair bytes sent from the heal to the start of the cycle after the one that ended consistent (the run's end
            // when there is none): the price of getting there, periodic rounds of that span included.
            var atHeal = _cycleStarts[_healCycle].RepairBytes;
            var until = c + 1 < _cycleStarts.Count ? _cycleStarts[c + 1].RepairBytes : _syncWireBytes + _oldMessageTreeBytesAfterHeal;
            bytesToConsistency = (until - atHeal) / (double)Math.Max(1, live);
        }

        return new ConsistencyResult
        {
            LiveNodes = live,
            Messages = _trackOrder.Count,
            MissingPairs = missing,
            PartitionMessages = partitionMessages,
            PartitionMessagesByGroup = byGroup,
            PartitionMissingPairs = partitionMissing,
            PartitionReliability = partitionMessages == 0 || live == 0 ? 1 : 1 - (partitionMissing / ((double)partitionMessages * live)),
            PartitionRecoveredBySync = partitionRecovered,
            TreeBytesAfterHeal = _treeBytes - _treeBytesAtHeal,
            RepairTreeBytesAfterHeal = _oldMessageTreeBytesAfterHeal,
            SyncWireBytesAfterHeal = _syncWireBytes - _syncWireBytesAtHeal,
            HealSeconds = _healAt / (double)TimeSpan.TicksPerSecond,
            HealCycle = _healCycle,
            SecondsToConsistency = consistent ? (consistentAt - _healAt) / (double)TimeSpan.TicksPerSecond : null,
            CyclesToConsistency = cycles,
            RepairBytesPerNodeToConsistency = bytesToConsistency,
        };
    }

    private BroadcastCounters SumCounters()
    {
        var sum = new BroadcastCounters();
        AddCounters(sum, _deadCounters);
        if (_engines is { } engines)
        {
            foreach (var engine in engines)
            {
                if (engine is not null)
                {
                    AddCounters(sum, engine.Counters);
                }
            }
        }

        return sum;
    }
}
