namespace Plumtree.Sync;

/// <summary>Sync state towards one peer.</summary>
/// <param name="Name">The peer.</param>
/// <param name="LastRoundUnixMilliseconds">When the last round this node initiated with it ended, if any.</param>
/// <param name="LastResult"><c>ok</c> or a <see cref="SyncFailure"/> reason, for that round.</param>
/// <param name="LastNeed">Ids this node lacked in that round.</param>
/// <param name="LastHave">Ids the peer lacked in that round.</param>
/// <param name="RoundsOk">Rounds with it that completed.</param>
/// <param name="RoundsFailed">Rounds with it that failed.</param>
/// <param name="BytesSent">Sync body bytes sent to it (as initiator and responder).</param>
/// <param name="BytesReceived">Sync body bytes received from it.</param>
public sealed record SyncPeerSnapshot(
    string Name,
    long? LastRoundUnixMilliseconds,
    string? LastResult,
    int LastNeed,
    int LastHave,
    long RoundsOk,
    long RoundsFailed,
    long BytesSent,
    long BytesReceived);
