namespace Plumtree.Storage;

/// <summary>What <see cref="IMessageStore.Load"/> read at start.</summary>
/// <param name="Messages">Every intact stored message at or after the bound, in id order.</param>
/// <param name="CorruptRemoved">Rows whose checksum did not match: removed, never returned.</param>
/// <param name="JoinedUnixMilliseconds">When this node first joined the cluster with this store (Unix ms), or null for a new store.</param>
public sealed record MessageStoreLoad(IReadOnlyList<StoredMessage> Messages, int CorruptRemoved, long? JoinedUnixMilliseconds);
