namespace Plumtree.Sync;

/// <summary>A message a <see cref="SyncEngine"/> obtained through sync.</summary>
/// <param name="Id">The message id.</param>
/// <param name="Payload">The payload (owned by the engine's store; not reused).</param>
/// <param name="From">The peer it came from (the responder of a round, or the initiator that pushed it).</param>
public readonly record struct SyncRecovery(MessageId Id, ReadOnlyMemory<byte> Payload, string From);
