using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Plumtree.Storage.Sqlite;

// Opening: creating the directory and the database, checking it, moving a damaged file aside.
public sealed partial class SqliteMessageStore
{
    /// <summary>
    /// Opens (creating it and the directory if missing) <c><paramref name="directory"/>/messages.db</c>, switches it to
    /// WAL and checks its integrity (<c>PRAGMA quick_check</c>). A file that is not a database, or fails the check, is
    /// renamed to <c>messages.db.corrupt-yyyyMMddTHHmmssZ</c> (UTC, from <paramref name="timeProvider"/>) and an
    /// empty store is created in its place (<see cref="MovedAsideTo"/>).
    /// </summary>
    /// <param name="directory">The store's directory (the agent's data directory's <c>cache/</c> folder).</param>
    /// <param name="timeProvider">The clock naming a moved-aside file; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="MessageStoreException">
    /// The directory or the file cannot be created, opened or written (permissions, disk), a damaged file cannot be
    /// moved aside, or the file has a newer schema than this version understands.
    /// </exception>
    public static SqliteMessageStore Open(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        timeProvider ??= TimeProvider.System;
        var path = System.IO.Path.Combine(directory, FileName);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new MessageStoreException($"message store {path}: cannot create its directory {directory}: {ex.Message}", isCorrupt: false, ex);
        }

        try
        {
            return new SqliteMessageStore(path, OpenConnection(path), movedAsideTo: null);
        }
        catch (MessageStoreException ex) when (ex.IsCorrupt)
        {
            var movedTo = MoveAside(path, timeProvider.GetUtcNow());
            try
            {
                return new SqliteMessageStore(path, OpenConnection(path), movedTo);
            }
            catch (MessageStoreException again)
            {
                throw new MessageStoreException($"message store {path}: damaged file moved aside to {movedTo}, but a new store could not be created: {again.Message}", again.IsCorrupt, again);
            }
        }
    }

    private static SqliteConnection OpenConnection(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            var check = QuickCheck(connection);
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw new MessageStoreException($"message store {path} failed its integrity check: {check}", isCorrupt: true, innerException: null);
            }

            var version = int.Parse(Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new MessageStoreException($"message store {path} has schema version {version}, newer than this version understands ({SchemaVersion})", isCorrupt: false, innerException: null);
            }

            var mode = Scalar(connection, "PRAGMA journal_mode=WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new MessageStoreException($"message store {path}: could not switch to WAL (journal mode {mode})", isCorrupt: false, innerException: null);
            }

            Execute(connection, $"""
                PRAGMA synchronous = NORMAL;
                CREATE TABLE IF NOT EXISTS messages (
                    id BLOB NOT NULL PRIMARY KEY,
                    payload BLOB NOT NULL,
                    checksum INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS meta (
                    key TEXT NOT NULL PRIMARY KEY,
                    value INTEGER NOT NULL
                ) WITHOUT ROWID;
                PRAGMA user_version = {SchemaVersion.ToString(CultureInfo.InvariantCulture)};
                """);
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            var corrupt = ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase;
            throw new MessageStoreException($"message store {path}: {ex.Message}", corrupt, ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static string MoveAside(string path, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{path}.corrupt-{stamp}";
        for (var n = 2; File.Exists(target); n++)
        {
            target = $"{path}.corrupt-{stamp}-{n.ToString(CultureInfo.InvariantCulture)}";
        }

        try
        {
            foreach (var extra in new[] { "", "-wal", "-shm" })
            {
                if (File.Exists(path + extra))
                {
                    File.Move(path + extra, target + extra, overwrite: true);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MessageStoreException($"message store {path} is damaged and could not be moved aside to {target}: {ex.Message}", isCorrupt: true, ex);
        }

        return target;
    }

    private static string QuickCheck(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check;";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read() && lines.Count < 5)
        {
            lines.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture) ?? "");
        }

        return string.Join(" | ", lines);
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
