
namespace Plumtree.Broadcast;

/// <summary>A message handed to the application.</summary>
/// <param name="Id">Message id.</param>
/// <param name="Payload">Payload bytes (owned by the receiver of the delivery; the engine keeps its own reference for the cache).</param>
/// <param name="Hop">Hops travelled: 0 at the origin, 1 for a direct child of the origin, and so on.</param>
/// <param name="From">The peer it arrived from, or null at the origin.</param>
/// <param name="GraftLatency">
/// For a message this node grafted: the time from its first announcement (IHave) to its arrival; null when no Graft
/// was sent for it (it came by eager push, or is the node's own broadcast).
/// </param>
public readonly record struct Delivery(MessageId Id, ReadOnlyMemory<byte> Payload, int Hop, string? From, TimeSpan? GraftLatency = null);

/// <summary>
/// Where a <see cref="BroadcastEngine"/> puts its outputs. The engine calls these synchronously from inside
/// its input methods; implementations must not call back into the engine.
/// </summary>
/// <remarks>
/// <para>
/// Ownership: a frame handed to <see cref="Send(string, in PlumtreeFrame)"/> is lent for the duration of the call. The memory behind
/// <see cref="PlumtreeFrame.Entries"/> is the engine's reusable IHave buffer (a peer's batch, or one scratch entry
/// rewritten for every lazy peer), so it is only valid until <see cref="Send(string, in PlumtreeFrame)"/> returns: a sink encodes the frame
/// at once (as the node does) or copies the entries before queueing it (as the simulator does). This is what
/// keeps the engine's per-message path free of allocations. The same holds for the peer list handed to the
/// fan-out overload <see cref="Send(ReadOnlySpan{string}, in PlumtreeFrame)"/>.
/// </para>
/// <para>
/// <see cref="PlumtreeFrame.Payload"/> is the message's payload as cached by the engine, which never writes to
/// it, so a sink may keep it beyond the call. Likewise the engine keeps a received Gossip payload for its cache,
/// so a driver must not reuse the memory it passes to <see cref="BroadcastEngine.Receive"/> or
/// <see cref="BroadcastEngine.Broadcast"/>.
/// </para>
/// </remarks>
public interface IBroadcastOutput
{
    /// <summary>
    /// Send <paramref name="frame"/> to <paramref name="peer"/>. Best effort; loss is repaired by the protocol.
    /// The frame's <see cref="PlumtreeFrame.Entries"/> are only valid during this call (see the remarks on <see cref="IBroadcastOutput"/>).
    /// </summary>
    void Send(string peer, in PlumtreeFrame frame);

    /// <summary>
    /// Send the same <paramref name="frame"/> to every peer in <paramref name="peers"/>, in order: the engine's eager
    /// push of one Gossip. The default calls <see cref="Send(string, in PlumtreeFrame)"/> once per peer, so a sink
    /// that does not care sees exactly the calls it saw before; a sink that encodes overrides it to encode the
    /// frame once and share the bytes between the peers (the node does). <paramref name="peers"/> is the engine's
    /// reusable scratch buffer, valid only during this call, like <see cref="PlumtreeFrame.Entries"/>.
    /// </summary>
    void Send(ReadOnlySpan<string> peers, in PlumtreeFrame frame)
    {
        foreach (var peer in peers)
        {
            Send(peer, frame);
        }
    }

    /// <summary>Hand a new message to the application (called exactly once per message id within the de-duplication horizon).</summary>
    void Deliver(in Delivery delivery);

    /// <summary>
    /// A Graft asked for a message the engine's cache no longer holds: the sink may find it in a longer-lived store
    /// (the node's anti-entropy store keeps the sync horizon). The default finds nothing.
    /// </summary>
    /// <param name="id">The message asked for.</param>
    /// <param name="payload">Its payload when found (the sink must not change it afterwards).</param>
    /// <returns>True when found.</returns>
    bool TryGetStored(MessageId id, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        return false;
    }

    /// <summary>
    /// Validates a message new to this engine before it is delivered or forwarded (the application's
    /// <see cref="MessageValidator"/>). Anything but <see cref="MessageValidation.Accept"/> makes the engine remember
    /// the id without its payload: not delivered, not forwarded, not announced, Grafts for it not served. Default:
    /// accept.
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="payload">The payload (valid during the call).</param>
    /// <param name="from">The peer it came from.</param>
    /// <returns>The verdict.</returns>
    MessageValidation Validate(MessageId id, ReadOnlyMemory<byte> payload, string from) => MessageValidation.Accept;
}
