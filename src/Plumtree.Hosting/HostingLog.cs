using System.Net;
using Microsoft.Extensions.Logging;

namespace Plumtree.Hosting;

/// <summary>Log messages of the hosting layer (event ids 1000-1099).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Plumtree node {Node} started, reachable at {EndPoint}")]
    public static partial void NodeStarted(ILogger logger, string node, IPEndPoint endPoint);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "No seeds to join: node {Node} runs as a lone seed")]
    public static partial void LoneSeed(ILogger logger, string node);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Joining through {SeedCount} seed(s): {Seeds}")]
    public static partial void Joining(ILogger logger, int seedCount, string seeds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Joined the cluster: {Contacted} seed(s) answered (round {Attempt})")]
    public static partial void Joined(ILogger logger, int contacted, int attempt);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Join round {Attempt} failed: {Reason}; next round in {Delay}")]
    public static partial void JoinFailed(ILogger logger, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "No seed answered within {Timeout}: reporting ready and running alone while join rounds continue")]
    public static partial void JoinReadyTimeout(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Leaving the cluster gracefully (up to {Timeout})")]
    public static partial void Leaving(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Left the cluster")]
    public static partial void Left(ILogger logger);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Graceful leave failed")]
    public static partial void LeaveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "Join loop stopped by an unexpected error")]
    public static partial void JoinLoopCrashed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Every seed is this node itself: node {Node} runs as a lone seed")]
    public static partial void OnlySelfSeeds(ILogger logger, string node);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Node {Node} was not joined at stop: no leave needed")]
    public static partial void NotJoinedAtStop(ILogger logger, string node);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Could not record the known peers; retrying every interval (logged again only after a success)")]
    public static partial void KnownPeersRecordFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Recording the known peers works again")]
    public static partial void KnownPeersRecordRecovered(ILogger logger);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "Could not read the known peers: {Reason}")]
    public static partial void KnownPeersReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "Trying {Count} known peer(s) from the peer store: {Peers}")]
    public static partial void TryingKnownPeers(ILogger logger, int count, string peers);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "Joined the cluster through known peers: {Contacted} answered (round {Attempt})")]
    public static partial void JoinedThroughKnownPeers(ILogger logger, int contacted, int attempt);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Information, Message = "No known peer answered either: node {Node} runs as a lone seed")]
    public static partial void KnownPeersUnreachableLoneSeed(ILogger logger, string node);
}
