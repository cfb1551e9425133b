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
    private readonly ConcurrentDictionary<string, double> _counted = new(StringComparer.Ordinal);

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

    /// <summary>The sum of a non-observable counter's measurements so far: key = name{label=value,...}, labels sorted.</summary>
    public double Counted(string key) => _counted.GetValueOrDefault(key);

    public long HistogramCount(string name) => _histogramCounts.GetValueOrDefault(name);

    public double HistogramSum(string name) => _histogramSums.GetValueOrDefault(name);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? node = null;
        var labels = new List<string>();
        foreach (var tag in tags)
        {
            if (tag.Key == MetricNames.NodeTag)
            {
                node = tag.Value as string;
            }
            else
            {
                labels.Add($"{tag.Key}={tag.Value}");
            }
        }

        labels.Sort(StringComparer.Ordinal);
        var label = labels.Count == 0 ? null : string.Join(",", labels);

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

        var key = label is null ? instrument.Name : $"{instrument.Name}{{{label}}}";
        if (instrument is Counter<long>)
        {
            _counted.AddOrUpdate(key, value, (_, sum) => sum + value);
            return;
        }

        _observed[key] = value;
    }
}
