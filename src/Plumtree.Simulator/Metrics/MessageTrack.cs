using System.Collections;

namespace Plumtree.Simulator.Metrics;

/// <summary>What happened to one broadcast: who delivered it, at which hop and when, and payload frames received.</summary>
internal sealed class MessageTrack
{
    public MessageTrack(MessageId id, int cycle, int origin, long sentAt, int nodes)
    {
        Id = id;
        Cycle = cycle;
        Origin = origin;
        SentAt = sentAt;
        Delivered = new BitArray(nodes);
    }

    public MessageId Id { get; }

    public int Cycle { get; }

    public int Origin { get; }

    /// <summary>Virtual time of the broadcast, in ticks.</summary>
    public long SentAt { get; }

    /// <summary>Nodes that delivered the message.</summary>
    public BitArray Delivered { get; }

    public int DeliveredCount { get; set; }

    /// <summary>Largest hop at delivery (LDH).</summary>
    public int MaxHop { get; set; }

    /// <summary>Virtual time of the last delivery, in ticks.</summary>
    public long LastDeliveryAt { get; set; }

    /// <summary>Deliveries made by anti-entropy sync (not by the tree).</summary>
    public int RecoveredBySync { get; set; }

    /// <summary>Gossip frames received by live nodes for this message.</summary>
    public long PayloadReceived { get; set; }
}
