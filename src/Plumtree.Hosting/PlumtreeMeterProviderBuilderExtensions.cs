using OpenTelemetry.Metrics;
using Plumtree.Diagnostics;

namespace OpenTelemetry.Metrics;

/// <summary>OpenTelemetry wiring for Plumtree's instruments.</summary>
public static class PlumtreeMeterProviderBuilderExtensions
{
    /// <summary>
    /// Series kept per Plumtree instrument (<see cref="MetricStreamConfiguration.CardinalityLimit"/>). Plumtree's labels
    /// are the node and a bounded set of reasons, states or layers (a few dozen at most); OpenTelemetry's default of
    /// 2,000 sizes each instrument's storage for 2,000 series when the instrument is published.
    /// Series past the limit are added up in one series labelled <c>otel.metric.overflow</c>, so no count is lost.
    /// </summary>
    public const int CardinalityLimit = 200;

    /// <summary>
    /// Listens to the <c>Plumtree</c> meter (instrument names as in <see cref="MetricNames"/>), gives its
    /// histograms their explicit buckets (<see cref="MetricNames.DeliveryHopBuckets"/>, ...) and limits each of its
    /// instruments to <see cref="CardinalityLimit"/> series.
    /// </summary>
    public static MeterProviderBuilder AddPlumtreeInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // One view for every Plumtree instrument: two views matching one instrument would export it twice.
        return builder
            .AddMeter(MetricNames.MeterName)
            .AddView(instrument => instrument.Meter.Name != MetricNames.MeterName ? null : instrument.Name switch
            {
                MetricNames.DeliveryHops => Buckets(MetricNames.DeliveryHopBuckets),
                MetricNames.GraftLatency => Buckets(MetricNames.GraftLatencyBuckets),
                MetricNames.MessageSize => Buckets(MetricNames.MessageSizeBuckets),
                _ => new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit },
            });
    }

    private static ExplicitBucketHistogramConfiguration Buckets(IEnumerable<double> boundaries) =>
        new() { Boundaries = [.. boundaries], CardinalityLimit = CardinalityLimit };
}
