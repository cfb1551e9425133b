using System.Globalization;
using Microsoft.Extensions.Logging;
using Plumtree.Hosting;
using Plumtree.Storage;
using Plumtree.Storage.Sqlite;

namespace Plumtree.Agent.Storage;

/// <summary>
/// Opens the agent's peer store: SQLite (<c>peers.db</c>, WAL) in the data directory. Never stops the agent: a damaged
/// database is moved aside (<c>peers.db.corrupt-TIMESTAMP</c>) and a new one created; a data directory or database
/// that cannot be used at all leaves the agent with an in-memory store. Each problem is logged and counted
/// (<c>plumtree_storage_errors_total{kind="open"}</c>).
/// </summary>
internal static class AgentPeerStore
{
    public static IPeerStore Open(string dataDir, PeerStoreMetrics metrics, TimeProvider timeProvider, ILogger logger)
    {
        if (Cli.AgentCommand.DataDirProblem(dataDir) is { } problem)
        {
            // Only the default data directory gets here (an explicit one fails at start).
            AgentLog.DataDirUnusable(logger, dataDir, problem);
            return new InMemoryPeerStore();
        }

        var path = Path.Combine(dataDir, SqlitePeerStore.FileName);
        try
        {
            var store = SqlitePeerStore.Open(path);
            AgentLog.PeerStoreOpened(logger, path);
            return store;
        }
        catch (PeerStoreException ex) when (ex.IsCorrupt)
        {
            metrics.Error("open");
            try
            {
                var movedTo = SqlitePeerStore.MoveAside(path, timeProvider.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
                var store = SqlitePeerStore.Open(path);
                AgentLog.PeerStoreCorrupt(logger, path, Cause(ex), movedTo);
                return store;
            }
            catch (Exception again) when (again is PeerStoreException or IOException or UnauthorizedAccessException)
            {
                AgentLog.PeerStoreUnusable(logger, path, $"{Cause(ex)}; then: {Cause(again)}");
                return new InMemoryPeerStore();
            }
        }
        catch (PeerStoreException ex)
        {
            metrics.Error("open");
            AgentLog.PeerStoreUnusable(logger, path, Cause(ex));
            return new InMemoryPeerStore();
        }
    }

    /// <summary>The underlying error's message (the store's own message repeats the path the log line already names).</summary>
    private static string Cause(Exception ex) => ex is PeerStoreException { InnerException: { } inner } ? inner.Message : ex.Message;
}
