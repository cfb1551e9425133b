namespace Plumtree.Wire;

/// <summary>Why a responder refused a request (the byte of a Refuse body). Values are wire constants: append only.</summary>
internal enum SyncRefuseReason : byte
{
    /// <summary>Sync is disabled on the responder (<c>Plumtree:Sync:Enabled = false</c>).</summary>
    Disabled = 1,

    /// <summary>The responder cannot serve the request (for example, its reconciliation parameters are not usable).</summary>
    Unavailable = 2,
}
