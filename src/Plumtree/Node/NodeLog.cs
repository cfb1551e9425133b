using System.Net;
using Microsoft.Extensions.Logging;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>The node runtime's log messages (source-generated; event ids 1000–1099).</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Node {Node} started on {EndPoint} (profile {Profile}, {Compatibility} compatibility)")]
    public static partial void Started(ILogger logger, string node, IPEndPoint endPoint, string profile, ClusterCompatibility compatibility);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Node {Node} stopped")]
    public static partial void Stopped(ILogger logger, string node);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Node {Node} join finished: {Succeeded} seed(s) answered, {Failed} failed {Errors}")]
    public static partial void JoinCompleted(ILogger logger, string node, int succeeded, int failed, string errors);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Node {Node} is leaving the cluster")]
    public static partial void Leaving(ILogger logger, string node);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Node {Node} leave finished (broadcast sent in full: {BroadcastSent})")]
    public static partial void LeaveCompleted(ILogger logger, string node, bool broadcastSent);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Node {Node} leave did not finish spreading within {Timeout}")]
    public static partial void LeaveTimedOut(ILogger logger, string node, TimeSpan timeout);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Node {Node} rejoins with a fresh member table at incarnation {Incarnation}")]
    public static partial void Rejoining(ILogger logger, string node, uint incarnation);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Node {Node} reconnected to a member it had seen fail")]
    public static partial void Reconnected(ILogger logger, string node);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Node {Node}: member {Member} {Kind} ({EndPoint}, incarnation {Incarnation})")]
    public static partial void MemberChanged(ILogger logger, string node, string member, MemberEventKind kind, IPEndPoint endPoint, uint incarnation);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Node {Node}: broadcast view now has {Count} Plumtree member(s)")]
    public static partial void ViewChanged(ILogger logger, string node, int count);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Push/pull from {From} not merged: {Error}")]
    public static partial void PushPullRejected(ILogger logger, IPEndPoint from, string error);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Debug, Message = "Push/pull with {To} failed: {Error}")]
    public static partial void PushPullFailed(ILogger logger, IPEndPoint to, string error);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Node {Node} queued a serf leave intent at Lamport time {LTime}")]
    public static partial void SerfLeaveIntent(ILogger logger, string node, ulong lTime);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Node {Node} rebalanced its peers: {Eager} eager, {Lazy} lazy")]
    public static partial void Rebalanced(ILogger logger, string node, int eager, int lazy);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Node {Node} cleared its message cache ({Entries} payloads)")]
    public static partial void CacheCleared(ILogger logger, string node, int entries);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Node {Node} dropped input for the first time for reason {Reason} (counted in plumtree_dropped_total)")]
    public static partial void FirstDrop(ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Warning, Message = "Node {Node} message validator threw for {Id} from {Peer}; the message is rejected (counted in plumtree_dropped_total{{reason=\"validation_failed\"}}, later failures logged at Debug)")]
    public static partial void ValidatorFailed(ILogger logger, string node, MessageId id, string peer, Exception exception);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Debug, Message = "Node {Node} message validator threw for {Id} from {Peer}")]
    public static partial void ValidatorFailedAgain(ILogger logger, string node, MessageId id, string peer, Exception exception);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Error, Message = "A {Input} input failed on the node loop")]
    public static partial void LoopInputFailed(ILogger logger, string input, Exception exception);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Warning, Message = "A {Event} handler of node {Node} threw")]
    public static partial void SubscriberFailed(ILogger logger, string @event, string node, Exception exception);

    [LoggerMessage(EventId = 1050, Level = LogLevel.Information, Message = "Node {Node} loaded {Messages} stored messages ({Corrupt} corrupt rows removed), joined at {Joined}")]
    public static partial void StoreLoaded(ILogger logger, string node, int messages, int corrupt, DateTimeOffset joined);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Error, Message = "Node {Node} message store {Operation} failed; the node goes on from memory")]
    public static partial void StoreFailed(ILogger logger, string node, string operation, Exception exception);

    [LoggerMessage(EventId = 1052, Level = LogLevel.Debug, Message = "Node {Node} recovered message {Id} from {Peer} by anti-entropy")]
    public static partial void SyncRecovered(ILogger logger, string node, MessageId id, string peer);

    [LoggerMessage(EventId = 1053, Level = LogLevel.Warning, Message = "Node {Node} anti-entropy round with {Peer} failed: {Reason}")]
    public static partial void SyncRoundFailed(ILogger logger, string node, string peer, string reason);

    [LoggerMessage(EventId = 1054, Level = LogLevel.Warning, Message = "Node {Node} message store check found {Corrupt} corrupt rows of {Rows}; they are fetched again by anti-entropy")]
    public static partial void StoreCorrupt(ILogger logger, string node, int corrupt, int rows);

    [LoggerMessage(EventId = 1055, Level = LogLevel.Information, Message = "Node {Node} anti-entropy round requested with {Peer}")]
    public static partial void SyncRequested(ILogger logger, string node, string peer);

    [LoggerMessage(EventId = 1060, Level = LogLevel.Information, Message = "Node {Node} reloaded its TLS certificate ({Subject}, expires {NotAfter:u}); new streams use it")]
    public static partial void TlsReloaded(ILogger logger, string node, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 1061, Level = LogLevel.Error, Message = "Node {Node} refused the new TLS files and keeps the old certificate: {Problem}")]
    public static partial void TlsReloadRefused(ILogger logger, string node, string problem);

    [LoggerMessage(EventId = 1062, Level = LogLevel.Warning, Message = "Node {Node}: TLS stream trouble '{Reason}' with {Remote}: {Detail} (further ones are only counted)")]
    public static partial void TlsProblem(ILogger logger, string node, string reason, System.Net.IPEndPoint remote, string detail);

    [LoggerMessage(EventId = 1065, Level = LogLevel.Information, Message = "Node {Node} loaded its keyring from {Path} ({Keys} key(s)); it takes precedence over the configured EncryptionKeys")]
    public static partial void KeyringLoaded(ILogger logger, string node, string path, int keys);

    [LoggerMessage(EventId = 1066, Level = LogLevel.Information, Message = "Node {Node} key command {Operation} from {Origin}: keyring now holds {Keys} key(s)")]
    public static partial void KeyringChanged(ILogger logger, string node, KeyOperation operation, string origin, int keys);

    [LoggerMessage(EventId = 1067, Level = LogLevel.Warning, Message = "Node {Node} key command {Operation} from {Origin} refused: {Error}")]
    public static partial void KeyCommandRefused(ILogger logger, string node, KeyOperation operation, string origin, string error);

    [LoggerMessage(EventId = 1068, Level = LogLevel.Error, Message = "Node {Node} could not write its keyring file {Path}; the change holds in memory only until a restart")]
    public static partial void KeyringSaveFailed(ILogger logger, string node, string path, Exception exception);

    [LoggerMessage(EventId = 1069, Level = LogLevel.Warning, Message = "Node {Node} dropped a malformed Keys frame from {From}: {Error}")]
    public static partial void KeyFrameMalformed(ILogger logger, string node, string from, string error);
}
