using System.Collections.Concurrent;
using System.Text;

namespace Plumtree.Agent.Metrics;

/// <summary>What a family is exported as, and how its measurements combine.</summary>
internal enum MetricKind
{
    /// <summary><c>Counter</c>, <c>ObservableCounter</c>: a <c>counter</c>, the sum of the measurements (observed: the last observed total).</summary>
    Counter,

    /// <summary><c>UpDownCounter</c>, <c>ObservableUpDownCounter</c>: a <c>gauge</c>, the sum of the measurements (observed: the last observed value).</summary>
    UpDownCounter,

    /// <summary><c>Gauge</c>, <c>ObservableGauge</c>: a <c>gauge</c>, the last measurement.</summary>
    Gauge,

    /// <summary><c>Histogram</c>: a <c>histogram</c> with explicit buckets, cumulative.</summary>
    Histogram,
}

/// <summary>
/// One exported metric: the series of every instrument with its name (instruments of the same name in several meters,
/// e.g. <c>plumtree_storage_errors_total</c> of the node and of the agent's peer store, add their series to one family).
/// A series is created at its first measurement and kept (cumulative); storage grows with the series seen, up to
/// <c>limit</c> label sets per family, past which measurements are added up in one series labelled
/// <c>otel_metric_overflow="true"</c> (as OpenTelemetry did). A measurement of an existing series looks it up by its
/// tags without allocating and updates it with one interlocked operation (a histogram: under the series' lock, so a
/// scrape sees its buckets, sum and count together).
/// </summary>
internal sealed class MetricFamily
{
    /// <summary>The series that collects measurements past the cardinality limit.</summary>
    public const string OverflowLabels = "otel_metric_overflow=\"true\"";

    // Written under _gate only (one write lock is enough), read without locks; starts small and grows with the series.
    private readonly ConcurrentDictionary<TagSet, Series> _series = new(concurrencyLevel: 1, capacity: 4, TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, Series>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
    private readonly Lock _gate = new();
    private readonly List<Series> _ordered = [];
    private readonly int _limit;
    private volatile Series? _noTags;
    private volatile Series? _overflow;
    private volatile int _count;
    private int _collect;

    public MetricFamily(string name, string? help, MetricKind kind, bool observable, bool isDouble, double[]? bounds, int limit)
    {
        Name = name;
        Help = help;
        Kind = kind;
        Observable = observable;
        IsDouble = isDouble || kind == MetricKind.Histogram;
        Bounds = bounds;
        _limit = limit;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
    }

    public string Name { get; }

    public string? Help { get; }

    public MetricKind Kind { get; }

    /// <summary>Observable instruments: measured at each scrape; a series not observed at a scrape is left out of it.</summary>
    public bool Observable { get; }

    /// <summary>Values are doubles (floating-point instruments, histograms) rather than longs.</summary>
    public bool IsDouble { get; }

    /// <summary>A histogram's explicit bucket bounds, ascending (the <c>+Inf</c> bucket is implied).</summary>
    public double[]? Bounds { get; }

    /// <summary>Live instruments feeding this family (the exporter's lock).</summary>
    public int Instruments { get; set; }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (IsDouble)
        {
            Record((double)value, tags);
            return;
        }

        var series = Find(tags);
        if (Observable)
        {
            series.Collect = _collect;
            if (series == _overflow && Kind != MetricKind.Gauge)
            {
                Interlocked.Add(ref series.Bits, value);
            }
            else
            {
                Interlocked.Exchange(ref series.Bits, value);
            }
        }
        else if (Kind == MetricKind.Gauge)
        {
            Interlocked.Exchange(ref series.Bits, value);
        }
        else
        {
            Interlocked.Add(ref series.Bits, value);
        }
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!IsDouble)
        {
            Record((long)value, tags);
            return;
        }

        var series = Find(tags);
        if (Kind == MetricKind.Histogram)
        {
            series.Observe(Bounds!, value);
        }
        else if (Observable)
        {
            series.Collect = _collect;
            if (series == _overflow && Kind != MetricKind.Gauge)
            {
                series.AddDouble(value);
            }
            else
            {
                Interlocked.Exchange(ref series.Bits, BitConverter.DoubleToInt64Bits(value));
            }
        }
        else if (Kind == MetricKind.Gauge)
        {
            Interlocked.Exchange(ref series.Bits, BitConverter.DoubleToInt64Bits(value));
        }
        else
        {
            series.AddDouble(value);
        }
    }

    /// <summary>
    /// Before a scrape observes the observable instruments: marks the scrape (series observed now are exported), and
    /// empties the overflow series, which adds up this scrape's observations past the limit.
    /// </summary>
    public void BeginCollect(int collect)
    {
        _collect = collect;
        if (Observable && _overflow is { } overflow)
        {
            Interlocked.Exchange(ref overflow.Bits, 0);
        }
    }

    /// <summary>Writes the family (nothing when it has no series to export): <c># TYPE</c>, <c># HELP</c>, the samples.</summary>
    public void Write(StringBuilder text)
    {
        var series = Snapshot();
        if (series.Count == 0)
        {
            return;
        }

        text.Append("# TYPE ").Append(Name).Append(' ').Append(Kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        }).Append('\n');
        if (!string.IsNullOrEmpty(Help))
        {
            text.Append("# HELP ").Append(Name).Append(' ');
            PrometheusText.AppendHelp(text, Help);
            text.Append('\n');
        }

        if (Kind == MetricKind.Histogram)
        {
            var buckets = new long[Bounds!.Length + 1];
            foreach (var s in series)
            {
                WriteHistogram(text, s, buckets);
            }

            return;
        }

        foreach (var s in series)
        {
            text.Append(Name).Append('{').Append(s.Labels).Append("} ");
            var bits = Interlocked.Read(ref s.Bits);
            if (IsDouble)
            {
                PrometheusText.AppendDouble(text, BitConverter.Int64BitsToDouble(bits));
            }
            else
            {
                text.Append(bits);
            }

            text.Append('\n');
        }
    }

    /// <summary>The series to export, in OpenTelemetry's order: no labels, overflow, then the others as they first appeared.</summary>
    private List<Series> Snapshot()
    {
        var list = new List<Series>(_count + 2);
        lock (_gate)
        {
            if (_noTags is { } noTags)
            {
                list.Add(noTags);
            }

            if (_overflow is { } overflow)
            {
                list.Add(overflow);
            }

            list.AddRange(_ordered);
        }

        if (Observable)
        {
            list.RemoveAll(s => s.Collect != _collect);
        }

        return list;
    }

    private void WriteHistogram(StringBuilder text, Series series, long[] buckets)
    {
        var (count, sum) = series.Read(buckets);
        var separator = series.Labels.Length > 0 ? "," : string.Empty;
        long cumulative = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            cumulative += buckets[i];
            text.Append(Name).Append("_bucket{").Append(series.Labels).Append(separator).Append("le=\"");
            if (i < Bounds!.Length)
            {
                PrometheusText.AppendDouble(text, Bounds[i]);
            }
            else
            {
                text.Append("+Inf");
            }

            text.Append("\"} ").Append(cumulative).Append('\n');
        }

        text.Append(Name).Append("_sum{").Append(series.Labels).Append("} ");
        PrometheusText.AppendDouble(text, sum);
        text.Append('\n');
        text.Append(Name).Append("_count{").Append(series.Labels).Append("} ").Append(count).Append('\n');
    }

    private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return _noTags ?? AddNoTags();
        }

        if (_lookup.TryGetValue(tags, out var series))
        {
            return series;
        }

        return _count >= _limit && _overflow is { } overflow ? overflow : Add(tags);
    }

    private Series AddNoTags()
    {
        lock (_gate)
        {
            return _noTags ??= NewSeries(string.Empty);
        }
    }

    private Series Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_gate)
        {
            if (_lookup.TryGetValue(tags, out var series))
            {
                return series;
            }

            if (_count >= _limit)
            {
                return _overflow ??= NewSeries(OverflowLabels);
            }

            var set = new TagSet(tags);
            series = NewSeries(set.Render());
            _series[set] = series;
            _ordered.Add(series);
            _count++;
            return series;
        }
    }

    private Series NewSeries(string labels) => new(labels, Kind == MetricKind.Histogram ? Bounds!.Length + 1 : 0);

    /// <summary>One series: its rendered labels and its value (a long, or a double's bits), or a histogram's state.</summary>
    private sealed class Series(string labels, int buckets)
    {
        private readonly long[]? _buckets = buckets > 0 ? new long[buckets] : null;
        private readonly Lock? _lock = buckets > 0 ? new Lock() : null;
        private long _count;
        private double _sum;

        /// <summary><c>name="value",...</c>, without braces.</summary>
        public string Labels { get; } = labels;

        /// <summary>The value: a long, or a double's bits.</summary>
        public long Bits;

        /// <summary>The scrape that last observed it (observable instruments).</summary>
        public int Collect;

        public void AddDouble(double value)
        {
            var current = Interlocked.Read(ref Bits);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref Bits, BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + value), current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }

        public void Observe(double[] bounds, double value)
        {
            var bucket = BucketOf(bounds, value);
            lock (_lock!)
            {
                _buckets![bucket]++;
                _count++;
                _sum += value;
            }
        }

        public (long Count, double Sum) Read(long[] buckets)
        {
            lock (_lock!)
            {
                _buckets!.CopyTo(buckets, 0);
                return (_count, _sum);
            }
        }

        /// <summary>The first bucket whose bound is at least <paramref name="value"/> (bounds are inclusive upper bounds).</summary>
        private static int BucketOf(double[] bounds, double value)
        {
            int low = 0, high = bounds.Length;
            while (low < high)
            {
                var mid = (low + high) >>> 1;
                if (value <= bounds[mid])
                {
                    high = mid;
                }
                else
                {
                    low = mid + 1;
                }
            }

            return low;
        }
    }
}
