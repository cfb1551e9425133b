namespace Plumtree;

/// <summary>
/// Validates a message before this node delivers, stores, forwards or syncs it: a message received through the tree
/// (Gossip, a Graft's answer), through anti-entropy (a Messages or Push page), and this node's own broadcasts. Runs on
/// the node's loop: it must be quick and must not block. A validator that throws counts as
/// <see cref="MessageValidation.Reject"/> (<c>plumtree_dropped_total{reason="validation_failed"}</c>).
/// </summary>
/// <param name="id">The message id (its timestamp is the origin's clock at broadcast).</param>
/// <param name="payload">The payload; valid only during the call.</param>
/// <param name="from">The member it came from, or <see langword="null"/> for this node's own broadcast.</param>
/// <returns>Accept, reject or ignore.</returns>
public delegate MessageValidation MessageValidator(MessageId id, ReadOnlyMemory<byte> payload, string? from);
