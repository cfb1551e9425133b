namespace Plumtree.Sync;

/// <summary>One reconciliation message: the round's header and the ranges it talks about, in ascending order.</summary>
internal sealed record SyncMessage(SyncMessageHeader Header, IReadOnlyList<SyncEntry> Entries);
