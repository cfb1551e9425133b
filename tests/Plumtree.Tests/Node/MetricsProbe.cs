using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Plumtree.Diagnostics;

namespace Plumtree.Tests.Node;

/// <summary>Reads the <c>Plumtree</c> meter through a <see cref="MeterListener"/>, for one node (by its <c>node</c> tag).</summary>
internal sealed class MetricsProbe : IDisposable
{
    private readonly string _node;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _observed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _histogramCounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _histogramSums = new(StringComparer.Ordinal);

    public MetricsProbe(string node)
    {
        _node = node;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MetricNames.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.Start();
    }

    /// <summary>Observes every observable instrument now and returns the values: key = name, or name{label=value}.</summary>
    public IReadOnlyDictionary<string, double> Observe()
    {
        _observed.Clear();
        _listener.RecordObservableInstruments();
        return new Dictionary<string, double>(_observed, StringComparer.Ordinal);
    }

    public double Value(string key) => Observe().GetValueOrDefault(key);

    public long HistogramCount(string name) => _histogramCounts.GetValueOrDefault(name);

    public double HistogramSum(string name) => _histogramSums.GetValueOrDefault(name);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? node = null;
        string? label = null;
        foreach (var tag in tags)
        {
            if (tag.Key == MetricNames.NodeTag)
            {
                node = tag.Value as string;
            }
            else
            {
                label = $"{tag.Key}={tag.Value}";
            }
        }

        if (node != _node)
        {
            return;
        }

        if (instrument is Histogram<double>)
        {
            _histogramCounts.AddOrUpdate(instrument.Name, 1, (_, n) => n + 1);
            _histogramSums.AddOrUpdate(instrument.Name, value, (_, s) => s + value);
            return;
        }

        _observed[label is null ? instrument.Name : $"{instrument.Name}{{{label}}}"] = value;
    }
}
