using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;

namespace Plumtree.Storage.Sqlite;

/// <summary>
/// Known peers in a SQLite database (WAL journal), one row per node name: address and last-seen time. Open it with
/// <see cref="Open"/>; a damaged file is reported as a <see cref="PeerStoreException"/> with
/// <see cref="PeerStoreException.IsCorrupt"/> set (move it aside with <see cref="MoveAside"/> and open again).
/// </summary>
public sealed class SqlitePeerStore : IPeerStore, IDisposable
{
    /// <summary>The database's file name in the data directory.</summary>
    public const string FileName = "peers.db";

    private const int SchemaVersion = 1;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _capacity;
    private bool _disposed;

    private SqlitePeerStore(string path, SqliteConnection connection, int capacity)
    {
        Path = path;
        _connection = connection;
        _capacity = capacity;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Rows skipped by reads because their address did not parse (damaged rows).</summary>
    public long SkippedRows { get; private set; }

    /// <summary>
    /// Opens (creating if missing) the database at <paramref name="path"/>, switches it to WAL, checks its integrity
    /// (<c>PRAGMA quick_check</c>) and creates the schema.
    /// </summary>
    /// <param name="path">The database file (its directory must exist).</param>
    /// <param name="capacity">Most peers kept; beyond it the least recently seen are deleted.</param>
    /// <exception cref="PeerStoreException">The file is not a usable database (<see cref="PeerStoreException.IsCorrupt"/>), or cannot be opened or written.</exception>
    public static SqlitePeerStore Open(string path, int capacity = InMemoryPeerStore.DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
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
            var check = Scalar(connection, "PRAGMA quick_check;");
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw new PeerStoreException($"peer store {path} failed its integrity check: {check}", isCorrupt: true, innerException: null);
            }

            var version = int.Parse(Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new PeerStoreException($"peer store {path} has schema version {version}, newer than this version understands ({SchemaVersion})", isCorrupt: false, innerException: null);
            }

            var mode = Scalar(connection, "PRAGMA journal_mode=WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new PeerStoreException($"peer store {path}: could not switch to WAL (journal mode {mode})", isCorrupt: false, innerException: null);
            }

            Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS peers (
                    name TEXT NOT NULL PRIMARY KEY,
                    address TEXT NOT NULL,
                    last_seen_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS peers_by_last_seen ON peers (last_seen_ms DESC, name);
                PRAGMA user_version = {SchemaVersion.ToString(CultureInfo.InvariantCulture)};
                """);
            return new SqlitePeerStore(path, connection, capacity);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            var corrupt = ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase;
            throw new PeerStoreException($"peer store {path}: {ex.Message}", corrupt, ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Renames a damaged database (and its <c>-wal</c>/<c>-shm</c> files) to <c>PATH.corrupt-SUFFIX</c> so a new one
    /// can be created in its place; returns the new name of the database file.
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="suffix">Appended after <c>.corrupt-</c> (a timestamp, say).</param>
    /// <exception cref="IOException">A file could not be renamed.</exception>
    public static string MoveAside(string path, string suffix)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = $"{path}.corrupt-{suffix}";
        foreach (var extra in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(path + extra))
            {
                File.Move(path + extra, target + extra, overwrite: true);
            }
        }

        return target;
    }

    /// <inheritdoc />
    public async ValueTask RecordAsync(IReadOnlyCollection<KnownPeer> peers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peers);
        if (peers.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var upsert = _connection.CreateCommand())
                {
                    upsert.Transaction = transaction;
                    upsert.CommandText = """
                        INSERT INTO peers (name, address, last_seen_ms) VALUES ($name, $address, $last_seen)
                        ON CONFLICT (name) DO UPDATE SET address = excluded.address, last_seen_ms = excluded.last_seen_ms
                        WHERE excluded.last_seen_ms >= peers.last_seen_ms;
                        """;
                    var name = upsert.Parameters.Add("$name", SqliteType.Text);
                    var address = upsert.Parameters.Add("$address", SqliteType.Text);
                    var lastSeen = upsert.Parameters.Add("$last_seen", SqliteType.Integer);
                    foreach (var peer in peers)
                    {
                        name.Value = peer.Name;
                        address.Value = peer.Address.ToString();
                        lastSeen.Value = peer.LastSeen.ToUnixTimeMilliseconds();
                        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                using (var prune = _connection.CreateCommand())
                {
                    prune.Transaction = transaction;
                    prune.CommandText = "DELETE FROM peers WHERE name NOT IN (SELECT name FROM peers ORDER BY last_seen_ms DESC, name LIMIT $capacity);";
                    prune.Parameters.AddWithValue("$capacity", _capacity);
                    await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex)
        {
            throw new PeerStoreException($"peer store {Path}: write failed: {ex.Message}", ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase, ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<KnownPeer>> GetRecentAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = _connection.CreateCommand();
            query.CommandText = "SELECT name, address, last_seen_ms FROM peers ORDER BY last_seen_ms DESC, name LIMIT $limit;";
            query.Parameters.AddWithValue("$limit", limit);
            var peers = new List<KnownPeer>();
            var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    if (name.Length == 0 || !IPEndPoint.TryParse(reader.GetString(1), out var address) || address.Port == 0)
                    {
                        SkippedRows++;
                        continue;
                    }

                    peers.Add(new KnownPeer(name, address, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
                }
            }

            return peers;
        }
        catch (SqliteException ex)
        {
            throw new PeerStoreException($"peer store {Path}: read failed: {ex.Message}", ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase, ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the database.</summary>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
        finally
        {
            _gate.Release();
        }
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
