using Microsoft.Extensions.Logging;
using Plumtree.Hosting;
using Plumtree.Storage;
using Plumtree.Storage.Sqlite;

namespace Plumtree.Agent.Storage;

/// <summary>
/// Opens the agent's message store: SQLite (<c>messages.db</c>, WAL, a checksum per row) in the data directory's
/// <c>cache/</c> folder, so the recovery guide's <c>rm -rf …/data/cache/*</c> forgets stored messages and nothing else.
/// Never stops the agent: a damaged file is moved aside by the store itself (logged and counted); a directory or file
/// that cannot be used at all leaves the agent with an in-memory store (logged, counted in
/// <c>plumtree_storage_errors_total{store="messages",kind="open"}</c>): sync still works, restarts forget.
/// </summary>
internal static class AgentMessageStore
{
    /// <summary>The folder of the data directory that holds the message store.</summary>
    public const string Folder = "cache";

    public static IMessageStore Open(string dataDir, PeerStoreMetrics metrics, TimeProvider timeProvider, ILogger logger)
    {
        var directory = Path.Combine(dataDir, Folder);
        try
        {
            var store = SqliteMessageStore.Open(directory, timeProvider);
            if (store.MovedAsideTo is { } movedTo)
            {
                metrics.Error("open", "messages");
                AgentLog.MessageStoreCorrupt(logger, store.Path, movedTo);
            }

            AgentLog.MessageStoreOpened(logger, store.Path);
            return store;
        }
        catch (MessageStoreException ex)
        {
            metrics.Error("open", "messages");
            AgentLog.MessageStoreUnusable(logger, directory, ex.InnerException?.Message ?? ex.Message);
            return new InMemoryMessageStore();
        }
    }
}
