using Plumtree.Wire;

namespace Plumtree.Broadcast;

/// <summary>A message handed to the application.</summary>
/// <param name="Id">Message id.</param>
/// <param name="Payload">Payload bytes (owned by the receiver of the delivery; the engine keeps its own reference for the cache).</param>
/// <param name="Hop">Hops travelled: 0 at the origin, 1 for a direct child of the origin, and so on.</param>
/// <param name="From">The peer it arrived from, or null at the origin.</param>
public readonly record struct Delivery(MessageId Id, ReadOnlyMemory<byte> Payload, int Hop, string? From);

/// <summary>
/// Where a <see cref="BroadcastEngine"/> puts its outputs. The engine calls these synchronously from inside
/// its input methods; implementations must not call back into the engine.
/// </summary>
/// <remarks>
/// Frames handed to <see cref="Send"/> are immutable: the engine never writes to or reuses the memory behind
/// <see cref="PlumtreeFrame.Payload"/> or <see cref="PlumtreeFrame.Entries"/> afterwards (one frame value may
/// be sent to several peers), so a sink may queue a frame as it is. Likewise the engine keeps a received
/// Gossip payload for its cache, so a driver must not reuse the memory it passes to
/// <see cref="BroadcastEngine.Receive"/> or <see cref="BroadcastEngine.Broadcast"/>.
/// </remarks>
public interface IBroadcastOutput
{
    /// <summary>Send <paramref name="frame"/> to <paramref name="peer"/>. Best effort; loss is repaired by the protocol.</summary>
    void Send(string peer, in PlumtreeFrame frame);

    /// <summary>Hand a new message to the application (called exactly once per message id within the de-duplication horizon).</summary>
    void Deliver(in Delivery delivery);
}
