using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Plumtree.Agent.Handlers;
using Plumtree.Diagnostics;

namespace Plumtree.Agent.Metrics;

/// <summary>
/// What the agent exports at <c>GET /metrics</c>: the node's meter (<see cref="MetricNames.MeterName"/>) and the agent's
/// own (<see cref="HandlerRunner.MeterName"/>), each instrument limited to
/// <see cref="OpenTelemetry.Metrics.PlumtreeMeterProviderBuilderExtensions.CardinalityLimit"/> series, the Plumtree
/// histograms with the explicit buckets of <see cref="MetricNames"/> (as <c>AddPlumtreeInstrumentation</c> gives them
/// to OpenTelemetry users).
/// </summary>
internal static class AgentMetrics
{
    public const string Path = "/metrics";

    public static PrometheusExporter CreateExporter(ILogger logger)
    {
        var exporter = new PrometheusExporter(
            static meter => meter.Name is MetricNames.MeterName or HandlerRunner.MeterName,
            OpenTelemetry.Metrics.PlumtreeMeterProviderBuilderExtensions.CardinalityLimit,
            Buckets,
            ex => AgentLog.MetricsObserveFailed(logger, ex));
        exporter.Start();
        return exporter;
    }

    /// <summary>The explicit buckets of the Plumtree histograms (the same as <c>AddPlumtreeInstrumentation</c>'s).</summary>
    public static IReadOnlyList<double>? Buckets(Instrument instrument) =>
        instrument.Meter.Name != MetricNames.MeterName ? null : instrument.Name switch
        {
            MetricNames.DeliveryHops => MetricNames.DeliveryHopBuckets,
            MetricNames.GraftLatency => MetricNames.GraftLatencyBuckets,
            MetricNames.MessageSize => MetricNames.MessageSizeBuckets,
            _ => null,
        };

    /// <summary><c>GET /metrics</c>: a fresh collection every time (no cache).</summary>
    public static async Task ScrapeAsync(HttpContext context)
    {
        var body = context.RequestServices.GetRequiredService<PrometheusExporter>().Collect();
        context.Response.ContentType = PrometheusExporter.ContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
