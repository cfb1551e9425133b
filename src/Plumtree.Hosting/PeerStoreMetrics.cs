using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Plumtree.Diagnostics;
using Plumtree.Node;

namespace Plumtree.Hosting;

/// <summary>
/// <c>plumtree_storage_errors_total</c> (meter <c>Plumtree</c>), tags <c>node</c>, <c>store</c> (<c>peers</c>; <c>messages</c> for opening the agent's message store) and
/// <c>kind</c> (<c>open</c>, <c>read</c>, <c>write</c>): every failure of the peer store, which never stops the node.
/// </summary>
public sealed class PeerStoreMetrics
{
    private readonly Counter<long> _errors;
    private readonly string _node;
    private long _count;

    /// <summary>Creates the counter on the <c>Plumtree</c> meter, tagged with the node's name.</summary>
    /// <param name="meterFactory">Creates the meter.</param>
    /// <param name="nodeOptions">The node options (for the <c>node</c> tag).</param>
    public PeerStoreMetrics(IMeterFactory meterFactory, IOptions<PlumtreeNodeOptions> nodeOptions)
    {
        var meter = meterFactory.Create(MetricNames.MeterName);
        _errors = meter.CreateCounter<long>(MetricNames.StorageErrors, description: MetricNames.StorageErrorsDescription);
        _node = nodeOptions.Value.NodeName;

        // Every series exists from the start at 0, so the first failure is an increase an alert can see.
        foreach (var (store, kind) in new[] { ("peers", "open"), ("peers", "read"), ("peers", "write"), ("messages", "open") })
        {
            _errors.Add(0, new KeyValuePair<string, object?>(MetricNames.NodeTag, _node), new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Failures counted so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Counts one failure of <paramref name="operation"/> (<c>open</c>, <c>read</c> or <c>write</c>).</summary>
    /// <param name="operation">The failed operation.</param>
    public void Error(string operation) => Error(operation, "peers");

    /// <summary>Counts one failure of <paramref name="operation"/> on <paramref name="store"/> (<c>peers</c> or <c>messages</c>).</summary>
    /// <param name="operation">The failed operation.</param>
    /// <param name="store">The store that failed.</param>
    public void Error(string operation, string store)
    {
        Interlocked.Increment(ref _count);
        _errors.Add(
            1,
            new KeyValuePair<string, object?>(MetricNames.NodeTag, _node),
            new KeyValuePair<string, object?>("store", store),
            new KeyValuePair<string, object?>("kind", operation));
    }
}
