namespace Plumtree.Sync;

/// <summary>What a message says about one range.</summary>
internal enum SyncEntryKind : byte
{
    /// <summary>The sender's fingerprint of the range: compare, and answer if it differs.</summary>
    Fingerprint = 0,

    /// <summary>The sender's fingerprints of the B children (empty children flagged in a mask).</summary>
    Split = 1,

    /// <summary>Every id the sender holds in the range.</summary>
    IdList = 2,

    /// <summary>Responder only: the answer to an <see cref="IdList"/>: ids the initiator lacks, and which listed ids the responder lacks.</summary>
    IdListReply = 3,

    /// <summary>The sender's page was full: everything from the start of this range to the end of the top range is unresolved.</summary>
    Continue = 4,
}
