using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Core;

/// <summary>The join's fill statistics: missing link ends over time, when the overlay became full, the degree histogram.</summary>
internal sealed partial class Simulation
{
    private readonly List<JoinSample> _joinTrace = [];
    private double? _joinFullSeconds;
    private long _spliceFramesInJoin;

    /// <summary>Join resolution of <see cref="SimResult.JoinFullSeconds"/>: the fill is checked this often until it is full.</summary>
    internal static readonly TimeSpan JoinFillResolution = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <see cref="RunUntil"/> in steps of <see cref="JoinFillResolution"/> while the overlay is not full yet, checking the
    /// fill after each (the events run in the same order as in one step; only the check is added).
    /// </summary>
    private void RunUntilSamplingFill(long until)
    {
        while (_joinFullSeconds is null && _now + JoinFillResolution.Ticks < until)
        {
            RunUntil(_now + JoinFillResolution.Ticks);
            SampleJoin(record: false);
        }

        RunUntil(until);
    }

    /// <summary>
    /// Samples the fill at the current virtual time: missing link ends (the degree bound less each live engine's peers,
    /// summed) and nodes short of it (recorded in the trace at the join's steps). The overlay is full when no node is short, or, when D·n is odd, one node is one
    /// short (the most a symmetric overlay of n nodes with degree D can reach); the first such sample is
    /// <see cref="_joinFullSeconds"/>.
    /// </summary>
    private void SampleJoin(bool record = true)
    {
        var degree = JoinDegree();
        long missing = 0;
        var shortNodes = 0;
        var live = 0;
        foreach (var engine in _engines!)
        {
            if (engine is null)
            {
                continue;
            }

            live++;
            var have = engine.EagerCount + engine.LazyCount;
            if (have < degree)
            {
                missing += degree - have;
                shortNodes++;
            }
        }

        var seconds = _now / (double)TimeSpan.TicksPerSecond;
        if (record)
        {
            _joinTrace.Add(new JoinSample(seconds, missing, shortNodes));
        }

        var floor = ((long)degree * live) % 2; // odd D·n: one link end can never be matched
        if (_joinFullSeconds is null && missing <= floor)
        {
            _joinFullSeconds = seconds;
        }
    }

    /// <summary>The degree every engine aims for: EagerFanout + LazyFanout, or every other node in a smaller cluster.</summary>
    private int JoinDegree()
    {
        var options = EngineOptions(_config);
        return Math.Min(options.EagerFanout + options.LazyFanout, _n - 1);
    }

    /// <summary>Peer-set sizes of the live engines: index = degree, value = nodes (flood: its overlay's degrees).</summary>
    private long[] DegreeHistogram()
    {
        var counts = new List<long>();
        void Add(int degree)
        {
            while (counts.Count <= degree)
            {
                counts.Add(0);
            }

            counts[degree]++;
        }

        if (_engines is { } engines)
        {
            foreach (var engine in engines)
            {
                if (engine is not null)
                {
                    Add(engine.EagerCount + engine.LazyCount);
                }
            }
        }

        return [.. counts];
    }
}
