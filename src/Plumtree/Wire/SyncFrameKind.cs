namespace Plumtree.Wire;

/// <summary>The first byte of a Sync frame body. Values are wire constants: append only.</summary>
internal enum SyncFrameKind : byte
{
    /// <summary>Initiator → responder: <c>from_ms:i64</c> and a reconciliation message.</summary>
    Reconcile = 1,

    /// <summary>Responder → initiator: the reconciliation response.</summary>
    Reply = 2,

    /// <summary>Responder → initiator: <c>floor_ms:i64</c>, the responder's retained floor, later than the range start; restart from it.</summary>
    Floor = 3,

    /// <summary>Initiator → responder: ids the initiator lacks.</summary>
    Want = 4,

    /// <summary>Responder → initiator: a page of wanted messages, and the wanted ids it no longer holds.</summary>
    Messages = 5,

    /// <summary>Initiator → responder: a page of messages the responder lacks.</summary>
    Push = 6,

    /// <summary>Responder → initiator: the request is not served (<see cref="SyncRefuseReason"/>).</summary>
    Refuse = 7,
}
