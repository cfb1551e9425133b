using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Plumtree.Agent.Metrics;

/// <summary>
/// The agent's <c>GET /metrics</c>: listens to the chosen meters with a <see cref="MeterListener"/> and writes every
/// series of their instruments in Prometheus text format 0.0.4, with the names, label rules, buckets and cardinality
/// limit of the OpenTelemetry Prometheus exporter the agent used before (without its SDK: the MeterProvider and the
/// per-instrument storage it sized for the limit when each instrument was published).
/// <list type="bullet">
/// <item>Counters, up-down counters and histograms are cumulative; gauges keep their last value.</item>
/// <item>Observable instruments are observed at each scrape; a series not observed at a scrape is left out of it.</item>
/// <item>Histograms have the buckets <c>buckets</c> gives, else the instrument's advice, else OpenTelemetry's default.</item>
/// <item>Families come out sorted by name; series in the order they first appeared.</item>
/// </list>
/// Measurements made before <see cref="Start"/> are not seen: start it before anything records.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>The response's content type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>OpenTelemetry's default histogram bounds, for a histogram with neither explicit buckets nor advice.</summary>
    public static readonly IReadOnlyList<double> DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly Func<Meter, bool> _listensTo;
    private readonly Func<Instrument, IReadOnlyList<double>?> _buckets;
    private readonly Action<Exception>? _observeFailed;
    private readonly int _cardinalityLimit;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly Lock _collectLock = new();
    private readonly StringBuilder _text = new();
    private int _collect;

    /// <param name="listensTo">The meters to export.</param>
    /// <param name="cardinalityLimit">Label sets kept per family; measurements with other label sets are added up in the overflow series.</param>
    /// <param name="buckets">Explicit bucket bounds for a histogram (null: its advice, else the default).</param>
    /// <param name="observeFailed">Told when an observable instrument's callback threw (the other instruments are still exported).</param>
    public PrometheusExporter(Func<Meter, bool> listensTo, int cardinalityLimit, Func<Instrument, IReadOnlyList<double>?>? buckets = null, Action<Exception>? observeFailed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cardinalityLimit, 1);
        _listensTo = listensTo;
        _cardinalityLimit = cardinalityLimit;
        _buckets = buckets ?? (static _ => null);
        _observeFailed = observeFailed;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = OnMeasurementsCompleted;
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
    }

    /// <summary>Starts listening: instruments already published and every later one.</summary>
    public void Start() => _listener.Start();

    /// <summary>Observes the observable instruments and writes every family (UTF-8).</summary>
    public byte[] Collect()
    {
        lock (_collectLock)
        {
            MetricFamily[] families;
            lock (_lock)
            {
                families = [.. _families.Values];
            }

            var collect = ++_collect;
            foreach (var family in families)
            {
                family.BeginCollect(collect);
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (Exception ex) when (_observeFailed is not null)
            {
                _observeFailed(ex);
            }

            Array.Sort(families, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            _text.Clear();
            foreach (var family in families)
            {
                family.Write(_text);
            }

            lock (_lock)
            {
                // Instruments whose meters were disposed: exported one last time, then forgotten.
                foreach (var family in families)
                {
                    if (family.Instruments == 0)
                    {
                        _families.Remove(family.Name);
                    }
                }
            }

            return Encoding.UTF8.GetBytes(_text.ToString());
        }
    }

    /// <summary>Collects into a string (tests).</summary>
    public string CollectText() => Encoding.UTF8.GetString(Collect());

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_listensTo(instrument.Meter) || !PrometheusText.IsValidInstrumentName(instrument.Name) || Classify(instrument) is not { } shape)
        {
            return;
        }

        var name = PrometheusText.MetricName(instrument.Name, instrument.Unit, shape.Kind);
        MetricFamily family;
        lock (_lock)
        {
            if (_families.TryGetValue(name, out var existing))
            {
                if (existing.Kind != shape.Kind || existing.Observable != instrument.IsObservable)
                {
                    return; // another kind of instrument under the same name: the first one keeps the name
                }

                family = existing;
            }
            else
            {
                var bounds = shape.Kind == MetricKind.Histogram ? Bounds(_buckets(instrument) ?? shape.Advice) : null;
                family = new MetricFamily(name, instrument.Description, shape.Kind, instrument.IsObservable, shape.IsDouble, bounds, _cardinalityLimit);
                _families.Add(name, family);
            }

            family.Instruments++;
        }

        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is MetricFamily family)
        {
            lock (_lock)
            {
                family.Instruments--;
            }
        }
    }

    /// <summary>Ascending bounds without NaN; anything else falls back to the default.</summary>
    private static double[] Bounds(IReadOnlyList<double>? bounds)
    {
        if (bounds is null || bounds.Count == 0)
        {
            return [.. DefaultBuckets];
        }

        for (var i = 0; i < bounds.Count; i++)
        {
            if (double.IsNaN(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            {
                return [.. DefaultBuckets];
            }
        }

        return [.. bounds];
    }

    private readonly record struct Shape(MetricKind Kind, bool IsDouble, IReadOnlyList<double>? Advice);

    /// <summary>The instrument's kind and number type, by type tests (no reflection: Native AOT).</summary>
    private static Shape? Classify(Instrument instrument) => instrument switch
    {
        Instrument<long> => Sync<long>(instrument, isDouble: false),
        Instrument<int> => Sync<int>(instrument, isDouble: false),
        Instrument<short> => Sync<short>(instrument, isDouble: false),
        Instrument<byte> => Sync<byte>(instrument, isDouble: false),
        Instrument<double> => Sync<double>(instrument, isDouble: true),
        Instrument<float> => Sync<float>(instrument, isDouble: true),
        Instrument<decimal> => Sync<decimal>(instrument, isDouble: true),
        ObservableInstrument<long> => Observable<long>(instrument, isDouble: false),
        ObservableInstrument<int> => Observable<int>(instrument, isDouble: false),
        ObservableInstrument<short> => Observable<short>(instrument, isDouble: false),
        ObservableInstrument<byte> => Observable<byte>(instrument, isDouble: false),
        ObservableInstrument<double> => Observable<double>(instrument, isDouble: true),
        ObservableInstrument<float> => Observable<float>(instrument, isDouble: true),
        ObservableInstrument<decimal> => Observable<decimal>(instrument, isDouble: true),
        _ => null,
    };

    private static Shape? Sync<T>(Instrument instrument, bool isDouble)
        where T : struct => instrument switch
        {
            Counter<T> => new Shape(MetricKind.Counter, isDouble, null),
            UpDownCounter<T> => new Shape(MetricKind.UpDownCounter, isDouble, null),
            Gauge<T> => new Shape(MetricKind.Gauge, isDouble, null),
            Histogram<T> histogram => new Shape(MetricKind.Histogram, isDouble, Advice(histogram.Advice?.HistogramBucketBoundaries)),
            _ => null,
        };

    private static Shape? Observable<T>(Instrument instrument, bool isDouble)
        where T : struct => instrument switch
        {
            ObservableCounter<T> => new Shape(MetricKind.Counter, isDouble, null),
            ObservableUpDownCounter<T> => new Shape(MetricKind.UpDownCounter, isDouble, null),
            ObservableGauge<T> => new Shape(MetricKind.Gauge, isDouble, null),
            _ => null,
        };

    private static double[]? Advice<T>(IReadOnlyList<T>? bounds)
        where T : struct => bounds?.Select(static b => Convert.ToDouble(b, CultureInfo.InvariantCulture)).ToArray();
}
