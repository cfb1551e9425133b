namespace Plumtree.Storage;

/// <summary>A delivered message as an <see cref="IMessageStore"/> keeps it.</summary>
/// <param name="Id">The message id (time-ordered: its first 6 bytes are the creation time).</param>
/// <param name="Payload">The payload bytes.</param>
public readonly record struct StoredMessage(MessageId Id, ReadOnlyMemory<byte> Payload);
