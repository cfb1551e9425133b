namespace Plumtree.Node;

// Counters gathered from the engines, both transports and the node itself, for the metrics.
public sealed partial class PlumtreeNode
{
    /// <summary>Membership counters summed over every engine the node ran.</summary>
    internal MembershipTotals MembershipTotals => _membershipCounters.Total;

    /// <summary>
    /// Everything refused or lost, by reason: transport drops (queue full, rate limited, too large, fault
    /// injected, peer left, ...), the node's own (<c>subscriber_overflow</c>, <c>node_queue_full</c>,
    /// <c>unknown_peer</c>) and the broadcast engine's refusals (<c>oversized</c>, <c>malformed</c>,
    /// <c>unknown_sender</c>, <c>graft_unserved</c>).
    /// </summary>
    internal Dictionary<string, long> DroppedByReason()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(string reason, long count)
        {
            if (count > 0)
            {
                totals[reason] = totals.GetValueOrDefault(reason) + count;
            }
        }

        foreach (var (reason, count) in _dropped.Snapshot())
        {
            Add(reason, count);
        }

        if (_transport is { } transport)
        {
            foreach (var (reason, count) in transport.Counters.Dropped.Snapshot())
            {
                Add(reason, count);
            }
        }

        if (_streams is { } streams)
        {
            foreach (var (reason, count) in streams.Counters.Dropped.Snapshot())
            {
                Add(reason, count);
            }
        }

        var engine = _broadcast.Counters;
        Add("oversized", Volatile.Read(ref engine.Oversized));
        Add("malformed", Volatile.Read(ref engine.Malformed));
        Add("unknown_sender", Volatile.Read(ref engine.UnknownSender));
        Add("graft_unserved", Volatile.Read(ref engine.GraftUnserved));
        return totals;
    }

    /// <summary>Undecodable input by layer (<c>memberlist</c>, <c>crypto</c>, <c>plumtree</c>, <c>msgpack</c>, ...).</summary>
    internal Dictionary<string, long> DecodeErrorsByLayer()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (layer, count) in _decodeErrors.Snapshot())
        {
            totals[layer] = totals.GetValueOrDefault(layer) + count;
        }

        foreach (var counters in new[] { _transport?.Counters, _streams?.Counters })
        {
            if (counters is null)
            {
                continue;
            }

            foreach (var (key, count) in counters.DecodeErrors.Snapshot())
            {
                totals[key.Layer] = totals.GetValueOrDefault(key.Layer) + count;
            }
        }

        return totals;
    }
}
