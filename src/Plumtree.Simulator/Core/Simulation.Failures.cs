using Plumtree.Broadcast;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Core;

/// <summary>Failure injection (kills, partitions) and membership (detection delay, shared view updates).</summary>
internal sealed partial class Simulation
{
    /// <summary>The scenario's failures for <paramref name="cycle"/>: kills, partition start or heal.</summary>
    private void FailureStep(int cycle, CycleRecord record)
    {
        var start = _config.FailureStart;
        var kills = _config.Scenario switch
        {
            Scenario.Kill when cycle == start => (int)Math.Round(_n * _config.KillPercent / 100.0, MidpointRounding.AwayFromZero),
            Scenario.Churn when cycle >= start && cycle < start + _config.ChurnCycles => _config.ChurnPerCycle,
            _ => 0,
        };
        if (kills > 0)
        {
            record.Killed = KillRandom(kills);
        }

        if (_config.Scenario == Scenario.ZoneKill && cycle == start)
        {
            var zones = _config.Zones;
            var zone = _config.Senders == SenderMode.Single ? ((_fixedSender % zones) + 1) % zones : 0;
            var victims = new List<int>();
            for (var i = zone; i < _n; i += zones)
            {
                if (_alive[i])
                {
                    victims.Add(i);
                }
            }

            record.Killed = KillNodes(victims);
        }

        if (_config.Scenario == Scenario.Partition)
        {
            if (cycle == start)
            {
                var group = new int[_n];
                for (var i = 0; i < _n; i++)
                {
                    group[i] = _failureRandom.Next(_config.PartitionGroups);
                }

                _network.Partition(group);
                _partitionGroup = group;
                _partitionAt = _now;
                if (_syncs is not null)
                {
                    _syncAtPartition = SyncTotalsNow();
                }

                if (_config.PartitionViews == PartitionViews.Split && _config.EventMode)
                {
                    _queue.Enqueue(_now + (long)(_config.DetectionMs * TimeSpan.TicksPerMillisecond), new SimEvent { Kind = EventKind.PartitionDetected });
                }
            }
            else if (cycle == start + _config.PartitionCycles)
            {
                _network.Heal();
                _healAt = _now;
                _healCycle = cycle;
                _treeBytesAtHeal = _treeBytes;
                _syncWireBytesAtHeal = _syncWireBytes;
                if (_syncs is not null)
                {
                    _syncAtHeal = SyncTotalsNow();
                    _syncBytesAtHeal = SyncBytesNow();
                }

                if (_split)
                {
                    // Membership sees the other groups again at once: the full view comes back, every member of the
                    // other groups returns.
                    _split = false;
                    ApplyView([]);
                }
            }
        }
    }

    /// <summary>Kills up to <paramref name="count"/> random live nodes (never the single sender, never the last node).</summary>
    private int KillRandom(int count)
    {
        var protectedNode = _config.Senders == SenderMode.Single ? _fixedSender : -1;
        var killed = 0;
        var detectAt = _config.EventMode
            ? _now + (long)(_config.DetectionMs * TimeSpan.TicksPerMillisecond)
            : _current!.Cycle + _config.DetectionCycles;
        while (killed < count && _aliveCount > 1)
        {
            var node = _liveList[_failureRandom.Next(_aliveCount)];
            if (node == protectedNode)
            {
                continue;
            }

            Kill(node);
            _undetected.Add((node, detectAt));
            killed++;
        }

        ScheduleDetection(killed, detectAt);
        return killed;
    }

    /// <summary>Kills <paramref name="nodes"/> at once (the zone-kill scenario).</summary>
    private int KillNodes(List<int> nodes)
    {
        var detectAt = _config.EventMode
            ? _now + (long)(_config.DetectionMs * TimeSpan.TicksPerMillisecond)
            : _current!.Cycle + _config.DetectionCycles;
        foreach (var node in nodes)
        {
            Kill(node);
            _undetected.Add((node, detectAt));
        }

        ScheduleDetection(nodes.Count, detectAt);
        return nodes.Count;
    }

    private void ScheduleDetection(int killed, long detectAt)
    {
        if (_config.EventMode && killed > 0)
        {
            _queue.Enqueue(detectAt, new SimEvent { Kind = EventKind.ViewChange });
        }
    }

    private void Kill(int node)
    {
        _alive[node] = false;
        _deathTime[node] = _now;
        KillSync(node);
        var pos = _livePos[node];
        var last = _liveList[--_aliveCount];
        _liveList[pos] = last;
        _livePos[last] = pos;
        if (_engines is { } engines)
        {
            AddCounters(_deadCounters, engines[node]!.Counters);
            engines[node] = null;
            _pendingTotal -= _pending[node];
            _pending[node] = 0;
            _scheduledTick[node] = long.MaxValue;
        }
    }

    /// <summary>
    /// Cycle mode's membership step: failures due for detection leave the view; with split partition views, the
    /// partition is detected in the step of cycle start + detection cycles.
    /// </summary>
    private void MembershipStep(int cycle)
    {
        DetectFailures(cycle);
        if (_config.Scenario == Scenario.Partition && _config.PartitionViews == PartitionViews.Split
            && cycle == _config.FailureStart + _config.DetectionCycles)
        {
            SplitViews();
        }
    }

    /// <summary><c>--partition-views split</c>: while the partition lasts, each group's view holds only its own members.</summary>
    private void SplitViews()
    {
        if (_network.Partitioned && !_split)
        {
            _split = true;
            ApplyView([]);
        }
    }

    /// <summary>Removes from the view every failed node whose detection time (cycle or ticks) has come, and hands out the new view.</summary>
    private void DetectFailures(long due)
    {
        var detected = new List<int>();
        _undetected.RemoveAll(entry =>
        {
            if (entry.DetectAt > due)
            {
                return false;
            }

            detected.Add(entry.Node);
            return true;
        });
        if (detected.Count == 0)
        {
            return;
        }

        foreach (var node in detected)
        {
            _inView[node] = false;
        }

        ApplyView(detected);
    }

    /// <summary>
    /// Builds ONE shared <see cref="PeerView"/> of the nodes in view and gives it to every live engine (or repairs the
    /// flood overlay); while the views are split, one view per partition group, each given to its group's engines.
    /// </summary>
    private void ApplyView(List<int> removed)
    {
        if (_split && _engines is not null)
        {
            ApplyGroupViews();
            return;
        }

        var members = new List<int>(_aliveCount + _undetected.Count);
        for (var i = 0; i < _n; i++)
        {
            if (_inView[i])
            {
                members.Add(i);
            }
        }

        var names = new string[members.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = _names[members[i]];
        }

        _view = NewView(names);
        if (_engines is { } engines)
        {
            for (var i = 0; i < _n; i++)
            {
                if (engines[i] is not null)
                {
                    SetNodeView(i, _view);
                }
            }
        }
        else
        {
            foreach (var node in removed)
            {
                _overlay!.RemoveNode(node);
            }

            _overlay!.Fill([.. members], _overlayRandom);
        }
    }

    /// <summary>One view per partition group (the nodes in view of that group), each given to its group's live engines.</summary>
    private void ApplyGroupViews()
    {
        var group = _partitionGroup!;
        var views = new PeerView[_config.PartitionGroups];
        for (var g = 0; g < views.Length; g++)
        {
            var names = new List<string>();
            for (var i = 0; i < _n; i++)
            {
                if (_inView[i] && group[i] == g)
                {
                    names.Add(_names[i]);
                }
            }

            views[g] = NewView(names);
        }

        for (var i = 0; i < _n; i++)
        {
            if (_engines![i] is not null)
            {
                SetNodeView(i, views[group[i]]);
            }
        }
    }

    private static void AddCounters(BroadcastCounters into, BroadcastCounters from)
    {
        into.Broadcast += from.Broadcast;
        into.Delivered += from.Delivered;
        into.Duplicates += from.Duplicates;
        into.GossipSent += from.GossipSent;
        into.IHaveSent += from.IHaveSent;
        into.IHaveFramesSent += from.IHaveFramesSent;
        into.GraftSent += from.GraftSent;
        into.PruneSent += from.PruneSent;
        into.GraftFailed += from.GraftFailed;
        into.GraftUnserved += from.GraftUnserved;
        into.Partitioned += from.Partitioned;
        into.Optimizations += from.Optimizations;
        into.UnknownSender += from.UnknownSender;
        into.RepairRounds += from.RepairRounds;
        into.FramesParked += from.FramesParked;
        into.FramesReleased += from.FramesReleased;
        into.ParkExpired += from.ParkExpired;
        into.SpliceSent += from.SpliceSent;
        into.Splices += from.Splices;
        into.TreeSent += from.TreeSent;
        into.TreeParentChanges += from.TreeParentChanges;
        into.Malformed += from.Malformed;
    }
}
