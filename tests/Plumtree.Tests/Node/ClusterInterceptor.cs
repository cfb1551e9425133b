using Plumtree.Testing;
using Plumtree.Transport;

namespace Plumtree.Tests.Node;

/// <summary>The cluster's fault injector plus an optional extra drop rule (e.g. only large frames to one node).</summary>
internal sealed class ClusterInterceptor(FaultInjector faults) : ITransportInterceptor
{
    private volatile Func<TransportChannel, TransportRoute, int, bool>? _dropWhen;

    /// <summary>Items for which this returns true are dropped (before the injector is asked).</summary>
    public Func<TransportChannel, TransportRoute, int, bool>? DropWhen
    {
        get => _dropWhen;
        set => _dropWhen = value;
    }

    public InterceptVerdict Intercept(TransportChannel channel, in TransportRoute route, int size) =>
        _dropWhen is { } rule && rule(channel, route, size) ? InterceptVerdict.Drop : ((ITransportInterceptor)faults).Intercept(channel, route, size);
}
