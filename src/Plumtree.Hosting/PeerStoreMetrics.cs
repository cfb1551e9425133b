using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Plumtree.Diagnostics;
using Plumtree.Node;

namespace Plumtree.Hosting;

/// <summary>
/// <c>plumtree_storage_errors_total</c> (meter <c>Plumtree</c>), tags <c>node</c>, <c>store</c> (<c>peers</c>) and
/// <c>operation</c> (<c>open</c>, <c>read</c>, <c>write</c>): every failure of the peer store, which never stops the node.
/// </summary>
public sealed class PeerStoreMetrics
{
    private readonly Counter<long> _errors;
    private readonly string _node;
    private long _count;

    public PeerStoreMetrics(IMeterFactory meterFactory, IOptions<PlumtreeNodeOptions> nodeOptions)
    {
        var meter = meterFactory.Create(MetricNames.MeterName);
        _errors = meter.CreateCounter<long>(MetricNames.StorageErrors, description: "Storage failures by store and operation (the node goes on without the store).");
        _node = nodeOptions.Value.NodeName;
    }

    /// <summary>Failures counted so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    public void Error(string operation)
    {
        Interlocked.Increment(ref _count);
        _errors.Add(
            1,
            new KeyValuePair<string, object?>(MetricNames.NodeTag, _node),
            new KeyValuePair<string, object?>("store", "peers"),
            new KeyValuePair<string, object?>("operation", operation));
    }
}
