namespace Plumtree.Sync;

/// <summary>The state of a <see cref="SyncEngine"/> at one moment (<see cref="SyncEngine.Snapshot"/>).</summary>
/// <param name="Enabled">Whether rounds are started and answered.</param>
/// <param name="Messages">Messages held.</param>
/// <param name="Bytes">Payload bytes held.</param>
/// <param name="FloorUnixMilliseconds">The floor: messages older than this are neither kept nor reconciled.</param>
/// <param name="JoinedUnixMilliseconds">When this node first joined (persisted across restarts by the node).</param>
/// <param name="ActiveRoundPeer">The peer of the round in progress, if any.</param>
/// <param name="Peers">Every peer sync has seen, by name.</param>
public sealed record SyncSnapshot(
    bool Enabled,
    int Messages,
    long Bytes,
    long FloorUnixMilliseconds,
    long JoinedUnixMilliseconds,
    string? ActiveRoundPeer,
    IReadOnlyList<SyncPeerSnapshot> Peers);
