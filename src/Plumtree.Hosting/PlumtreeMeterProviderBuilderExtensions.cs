using OpenTelemetry.Metrics;
using Plumtree.Diagnostics;

namespace OpenTelemetry.Metrics;

/// <summary>OpenTelemetry wiring for Plumtree's instruments.</summary>
public static class PlumtreeMeterProviderBuilderExtensions
{
    /// <summary>
    /// Listens to the <c>Plumtree</c> meter (instrument names as in <see cref="MetricNames"/>) and gives its
    /// histograms their explicit buckets (<see cref="MetricNames.DeliveryHopBuckets"/>, ...).
    /// </summary>
    public static MeterProviderBuilder AddPlumtreeInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddMeter(MetricNames.MeterName)
            .AddView(MetricNames.DeliveryHops, new ExplicitBucketHistogramConfiguration { Boundaries = [.. MetricNames.DeliveryHopBuckets] })
            .AddView(MetricNames.GraftLatency, new ExplicitBucketHistogramConfiguration { Boundaries = [.. MetricNames.GraftLatencyBuckets] })
            .AddView(MetricNames.MessageSize, new ExplicitBucketHistogramConfiguration { Boundaries = [.. MetricNames.MessageSizeBuckets] });
    }
}
