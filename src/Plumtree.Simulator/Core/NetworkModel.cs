namespace Plumtree.Simulator.Core;

/// <summary>
/// The simulated network: a fixed latency per link (constant, or drawn once per link from a uniform
/// [min, max] range by a hash of the seed and the two endpoints, so it needs no storage and frames on one
/// link stay in order), a per-frame loss probability, and partitions (groups that cannot talk).
/// </summary>
internal sealed class NetworkModel
{
    private readonly long _minTicks;
    private readonly long _spanTicks;
    private readonly double _loss;
    private readonly Random _random;
    private readonly ulong _linkSeed;
    private readonly int _zones;
    private readonly long _crossMinTicks;
    private readonly long _crossSpanTicks;
    private int[]? _group;

    /// <summary>A network; with <paramref name="zones"/> ≥ 2, links between nodes of different zones (node i in zone i mod zones) take latencies from [<paramref name="crossMin"/>, <paramref name="crossMax"/>].</summary>
    public NetworkModel(TimeSpan min, TimeSpan max, double loss, Random random, int zones = 0, TimeSpan? crossMin = null, TimeSpan? crossMax = null)
    {
        _minTicks = min.Ticks;
        _spanTicks = max.Ticks - min.Ticks;
        _zones = zones >= 2 && crossMin is not null ? zones : 0;
        _crossMinTicks = (crossMin ?? min).Ticks;
        _crossSpanTicks = (crossMax ?? crossMin ?? max).Ticks - _crossMinTicks;
        _loss = loss;
        _random = random;
        _linkSeed = (ulong)random.NextInt64();
    }

    /// <summary>True when every link has the same latency (frames are then sent in arrival-time order).</summary>
    public bool ConstantLatency => _spanTicks == 0 && (_zones == 0 || (_crossSpanTicks == 0 && _crossMinTicks == _minTicks));

    /// <summary>Frames dropped by loss.</summary>
    public long Lost { get; private set; }

    /// <summary>Frames dropped by a partition.</summary>
    public long Cut { get; private set; }

    /// <summary>True while a partition is in force.</summary>
    public bool Partitioned => _group is not null;

    /// <summary>Splits nodes into groups (<paramref name="group"/>[i] is node i's group) until <see cref="Heal"/>.</summary>
    public void Partition(int[] group) => _group = group;

    /// <summary>Ends the partition.</summary>
    public void Heal() => _group = null;

    /// <summary>The group of node <paramref name="node"/> under the current partition, or 0.</summary>
    public int GroupOf(int node) => _group?[node] ?? 0;

    /// <summary>Decides the fate of one frame: false when it is lost or cut, else its delay in ticks.</summary>
    public bool TryRoute(int from, int to, out long delayTicks)
    {
        delayTicks = 0;
        if (_group is { } g && g[from] != g[to])
        {
            Cut++;
            return false;
        }

        if (_loss > 0 && _random.NextDouble() < _loss)
        {
            Lost++;
            return false;
        }

        delayTicks = LinkDelay(from, to);
        return true;
    }

    /// <summary>The fixed latency of the (symmetric) link between two nodes, in ticks.</summary>
    public long LinkDelay(int a, int b)
    {
        var cross = _zones != 0 && a % _zones != b % _zones;
        var minTicks = cross ? _crossMinTicks : _minTicks;
        var spanTicks = cross ? _crossSpanTicks : _spanTicks;
        if (spanTicks == 0)
        {
            return minTicks;
        }

        var lo = (ulong)Math.Min(a, b);
        var hi = (ulong)Math.Max(a, b);
        var h = Mix(_linkSeed ^ Mix((hi << 32) | lo));
        var fraction = (h >> 11) * (1.0 / (1UL << 53));
        return minTicks + (long)(fraction * spanTicks);
    }

    /// <summary>SplitMix64 finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
