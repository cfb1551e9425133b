using Plumtree.Broadcast;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Core;

/// <summary>The run shapes: the join, the paper's cycle mode, and event mode.</summary>
internal sealed partial class Simulation
{
    /// <summary>
    /// The join: every engine gets the full view and overlay maintenance (Neighbor/Disconnect) runs until
    /// quiescent, then maintenance timers get <see cref="BootstrapSettle"/> of virtual time and the overlay
    /// settles again. Flood mode builds its random regular overlay in the constructor and sends nothing.
    /// </summary>
    private void Bootstrap()
    {
        _phase = Phase.Bootstrap;
        _view = NewView(_names);
        if (_engines is { } engines)
        {
            for (var i = 0; i < _n; i++)
            {
                SetNodeView(i, _view);
            }

            RunUntilQuiet(_now + StepLimit.Ticks);
            SampleJoin();

            // Overlay repair runs on the engines' own timers (with back-off): give it virtual time until the
            // peer sets stop changing for a whole settle window (a node one short of the degree may keep
            // probing and being refused forever), or the join limit is reached.
            var deadline = _now + BootstrapLimit.Ticks;
            var signature = OverlaySignature();
            var quiet = TimeSpan.Zero;
            while (_now < deadline && quiet < BootstrapSettle)
            {
                RunUntilSamplingFill(_now + BootstrapStep.Ticks);
                RunUntilQuiet(_now + StepLimit.Ticks);
                SampleJoin();
                var next = OverlaySignature();
                quiet = next == signature ? quiet + BootstrapStep : TimeSpan.Zero;
                signature = next;
            }
        }

        _joinSeconds = _now / (double)TimeSpan.TicksPerSecond;
    }

    /// <summary>Total peer-set size and eager count over live engines: unchanged means the overlay has settled.</summary>
    private (long Peers, long Eager) OverlaySignature()
    {
        long peers = 0, eager = 0;
        foreach (var engine in _engines!)
        {
            if (engine is not null)
            {
                var e = engine.EagerCount;
                eager += e;
                peers += e + engine.LazyCount;
            }
        }

        return (peers, eager);
    }

    /// <summary>
    /// The paper's cycle mode. Each cycle: failure step, then broadcast step (one broadcast, unit link
    /// delay, run until no frame is in flight and no graft is pending; graft timers fire in virtual time),
    /// then membership step (failed nodes leave the view after the detection delay; engines get the new
    /// view and repair the overlay until quiescent).
    /// </summary>
    private void RunCycleMode()
    {
        var start = _now + CyclePeriod.Ticks;
        for (var cycle = 0; cycle < _config.Cycles; cycle++)
        {
            _phase = Phase.Idle;
            RunUntil(Math.Max(start + (cycle * CyclePeriod.Ticks), _now + 1));

            MarkCycleStart();
            var record = new CycleRecord { Cycle = cycle };
            _current = record;
            FailureStep(cycle, record);

            _phase = Phase.Broadcast;
            var track = StartBroadcast(cycle, PickSender(cycle));
            RunUntilQuiet(_now + StepLimit.Ticks);
            Finalize(track, record);

            _phase = Phase.Membership;
            MembershipStep(cycle);
            RunUntilQuiet(_now + StepLimit.Ticks);
            _records.Add(record);
        }

        _phase = Phase.Idle;
    }

    /// <summary>
    /// Event mode: link latencies in ms, the engines' real graft timers, one broadcast every 1/rate
    /// seconds (broadcasts may overlap), failure detection after a delay in ms. Each broadcast is measured
    /// to its last delivery once everything has drained.
    /// </summary>
    private void RunEventMode()
    {
        _phase = Phase.Broadcast;
        var period = (long)(TimeSpan.TicksPerSecond / _config.Rate);
        var start = _now + CyclePeriod.Ticks;
        for (var cycle = 0; cycle < _config.Cycles; cycle++)
        {
            RunUntil(Math.Max(start + (cycle * period), _now + 1));
            FeedRtt();
            MarkCycleStart();
            var record = new CycleRecord { Cycle = cycle };
            _current = record;
            _records.Add(record);
            FailureStep(cycle, record);
            var origin = PickSender(cycle);
            if (_config.ShortestPaths)
            {
                record.ShortestPathMs = ShortestPathEccentricityMs(origin);
                if (cycle >= _config.Warmup)
                {
                    record.CentralTreeMs = CentralTreeEccentricityMs(origin);
                }
            }

            StartBroadcast(cycle, origin);
        }

        RunUntilQuiet(_now + StepLimit.Ticks);
        foreach (var track in _trackOrder)
        {
            Finalize(track, _records[track.Cycle]);
        }

        _phase = Phase.Idle;
    }

    /// <summary>
    /// Single sender: the fixed node (never killed); many senders: a random live node; groups: while a partition is in
    /// force, a random live node of group (cycle - partition start) mod groups, else a random live node.
    /// </summary>
    private int PickSender(int cycle)
    {
        if (_config.Senders == SenderMode.Single)
        {
            return _fixedSender;
        }

        if (_config.Senders == SenderMode.Groups && _network.Partitioned && _partitionGroup is { } group)
        {
            var turn = (cycle - _config.FailureStart) % _config.PartitionGroups;
            var members = new List<int>();
            for (var k = 0; k < _aliveCount; k++)
            {
                if (group[_liveList[k]] == turn)
                {
                    members.Add(_liveList[k]);
                }
            }

            if (members.Count > 0)
            {
                return members[_senderRandom.Next(members.Count)];
            }
        }

        return _liveList[_senderRandom.Next(_aliveCount)];
    }
}
