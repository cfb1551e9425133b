namespace Plumtree.Sync;

/// <summary>Which side of a reconciliation round wrote a message.</summary>
internal enum SyncRole
{
    /// <summary>The side that started the round and collects the differences.</summary>
    Initiator,

    /// <summary>The side that answers; it keeps no state between messages.</summary>
    Responder,
}
