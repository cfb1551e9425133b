using Plumtree.Broadcast;
using Plumtree.Sync;

namespace Plumtree.Node;

/// <summary>
/// The sync engine's outputs: each body goes out as a Plumtree <see cref="FrameType.Sync"/> frame on the peer's
/// Plumtree stream (through the <see cref="BroadcastSink"/>, which knows the addresses); each recovered message
/// goes to the node, which delivers and persists it. Called from the node's loop only.
/// </summary>
/// <param name="frames">Where frames go out.</param>
/// <param name="recovered">Takes every message sync obtained.</param>
/// <param name="validate">The node's message validator (verdicts counted by the node).</param>
internal sealed class SyncSink(BroadcastSink frames, SyncSink.RecoveredHandler recovered, MessageValidator validate) : ISyncOutput
{
    /// <summary>Takes a recovered message.</summary>
    /// <param name="recovery">The message and the peer it came from (valid for the call only).</param>
    public delegate void RecoveredHandler(in SyncRecovery recovery);

    /// <inheritdoc/>
    public void Send(string peer, ReadOnlyMemory<byte> body) => frames.Send(peer, PlumtreeFrame.Sync(body));

    /// <inheritdoc/>
    public void Recovered(in SyncRecovery recovery) => recovered(recovery);

    public MessageValidation Validate(MessageId id, ReadOnlyMemory<byte> payload, string from) => validate(id, payload, from);
}
