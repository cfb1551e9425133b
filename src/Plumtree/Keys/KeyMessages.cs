using Plumtree.Node;

namespace Plumtree.Keys;

/// <summary>A key command as it travels: flooded over the broadcast overlay from <paramref name="Origin"/>.</summary>
/// <param name="Id">Unique per command (a message id of the origin): de-duplicates the flood and matches the answers.</param>
/// <param name="Operation">What to do.</param>
/// <param name="Origin">The node that gathers the answers.</param>
/// <param name="Key">The key the command names (empty for <see cref="KeyOperation.List"/>).</param>
internal sealed record KeyCommand(MessageId Id, KeyOperation Operation, string Origin, byte[] Key);

/// <summary>A node's answer to a key command, sent point-to-point to the origin.</summary>
/// <param name="Id">The command's id.</param>
/// <param name="Operation">The command's operation.</param>
/// <param name="Node">The answering node.</param>
/// <param name="Error">Why the command failed there, or null.</param>
/// <param name="Keys">Its keys after the command, the primary first (empty when it has none).</param>
internal sealed record KeyAnswer(MessageId Id, KeyOperation Operation, string Node, string? Error, IReadOnlyList<byte[]> Keys);
