using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Transport;

namespace Plumtree.Node;

/// <summary>
/// The counters the metrics publish, gathered from the node itself, both transports and the engines: drops by
/// reason, undecodable input by layer, and membership totals summed over every membership engine the node ran.
/// Written from the node's loop and transport threads (each counter is atomic); read from any thread.
/// </summary>
internal sealed class NodeCounters
{
    private volatile MembershipCounterSource _membership = new(MembershipTotals.Zero, null);

    /// <summary>The node's own drops (<c>subscriber_overflow</c>, <c>node_queue_full</c>, <c>unknown_peer</c>, ...).</summary>
    public KeyedCounter<string> Dropped { get; } = new();

    /// <summary>Undecodable input the node found itself (serf messages), by layer.</summary>
    public KeyedCounter<string> DecodeErrors { get; } = new();

    /// <summary>Membership counters summed over every engine the node ran.</summary>
    public MembershipTotals Membership => _membership.Total;

    /// <summary>A fresh membership engine runs: its counters add to the totals of the ones before it.</summary>
    public void MembershipStarted(MembershipCounters live) => _membership = new MembershipCounterSource(_membership.Total, live);

    /// <summary>
    /// Everything refused or lost, by reason: transport drops (queue full, rate limited, too large, fault
    /// injected, peer left, ...), the node's own and the broadcast engine's refusals (<c>oversized</c>,
    /// <c>malformed</c>, <c>unknown_sender</c>, <c>graft_unserved</c>).
    /// </summary>
    public Dictionary<string, long> DroppedByReason(BroadcastCounters broadcast, TransportCounters? memberlist, TransportCounters? streams)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(string reason, long count)
        {
            if (count > 0)
            {
                totals[reason] = totals.GetValueOrDefault(reason) + count;
            }
        }

        // The broadcast engine's refusals are published from the start, at 0 until the first one.
        void AddAlways(string reason, long count) => totals[reason] = totals.GetValueOrDefault(reason) + count;

        foreach (var (reason, count) in Dropped.Snapshot())
        {
            Add(reason, count);
        }

        foreach (var counters in new[] { memberlist, streams })
        {
            if (counters is null)
            {
                continue;
            }

            foreach (var (reason, count) in counters.Dropped.Snapshot())
            {
                Add(reason, count);
            }
        }

        AddAlways("oversized", Volatile.Read(ref broadcast.Oversized));
        AddAlways("malformed", Volatile.Read(ref broadcast.Malformed));
        AddAlways("unknown_sender", Volatile.Read(ref broadcast.UnknownSender));
        AddAlways("graft_unserved", Volatile.Read(ref broadcast.GraftUnserved));
        return totals;
    }

    /// <summary>
    /// Inbound connections refused or closed early, by reason, summed over the memberlist transport (its first-byte
    /// switch and memberlist streams) and the Plumtree stream transport (admission, hello, deadlines).
    /// </summary>
    public static Dictionary<string, long> ConnectionsRefusedByReason(TransportCounters? memberlist, TransportCounters? streams)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var counters in new[] { memberlist, streams })
        {
            if (counters is null)
            {
                continue;
            }

            foreach (var (reason, count) in counters.StreamsRefused.Snapshot())
            {
                totals[reason] = totals.GetValueOrDefault(reason) + count;
            }
        }

        return totals;
    }

    /// <summary>The decoders' layers, published at 0 from the start so the first error is an increase.</summary>
    private static readonly string[] DecodeLayers =
    [
        "memberlist",
        Wire.Memberlist.MemberlistEncryption.Layer,
        Wire.Memberlist.GoLzw.Layer,
        Wire.Memberlist.GoMsgpack.Layer,
        Wire.PlumtreeFrameCodec.Layer,
        Wire.SyncFrameCodec.Layer,
    ];

    /// <summary>Undecodable input by layer (<c>memberlist</c>, <c>crypto</c>, <c>lzw</c>, <c>msgpack</c>, <c>plumtree</c>, <c>sync</c>, ...): every known layer, 0 until its first error.</summary>
    public Dictionary<string, long> DecodeErrorsByLayer(TransportCounters? memberlist, TransportCounters? streams)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var layer in DecodeLayers)
        {
            totals[layer] = 0;
        }

        foreach (var (layer, count) in DecodeErrors.Snapshot())
        {
            totals[layer] = totals.GetValueOrDefault(layer) + count;
        }

        foreach (var counters in new[] { memberlist, streams })
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
