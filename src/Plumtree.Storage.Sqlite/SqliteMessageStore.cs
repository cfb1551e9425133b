using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Plumtree.Storage.Sqlite;

/// <summary>
/// Delivered messages in a SQLite database (WAL journal, <c>synchronous=NORMAL</c>): one row per message, keyed by
/// its 16-byte id (so key order is time order), with its payload and an XxHash64 checksum of id and payload. Open it
/// with <see cref="Open"/>; a file SQLite cannot use is moved aside and replaced by an empty store
/// (<see cref="MovedAsideTo"/>); a row whose checksum does not match is removed and counted, never returned.
/// </summary>
/// <remarks>
/// Not thread-safe: calls come from one thread at a time (the node's store writer). Any call after
/// <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed partial class SqliteMessageStore : IMessageStore
{
    /// <summary>The database's file name in the store directory.</summary>
    public const string FileName = "messages.db";

    private const int SchemaVersion = 1;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const string JoinedKey = "joined_unix_ms";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _insertId;
    private readonly SqliteParameter _insertPayload;
    private readonly SqliteParameter _insertChecksum;
    private readonly XxHash64 _hash = new();
    private readonly byte[] _idBuffer = new byte[MessageId.Size];
    private bool _disposed;

    private SqliteMessageStore(string path, SqliteConnection connection, string? movedAsideTo)
    {
        Path = path;
        MovedAsideTo = movedAsideTo;
        _connection = connection;
        _insert = connection.CreateCommand();
        _insert.CommandText = "INSERT OR IGNORE INTO messages (id, payload, checksum) VALUES ($id, $payload, $checksum);";
        _insertId = _insert.Parameters.Add("$id", SqliteType.Blob);
        _insertPayload = _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insertChecksum = _insert.Parameters.Add("$checksum", SqliteType.Integer);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Where <see cref="Open"/> moved a damaged database file (<c>messages.db.corrupt-yyyyMMddTHHmmssZ</c>, with its
    /// <c>-wal</c>/<c>-shm</c> files) before creating this empty store; null when the file was usable or new.
    /// </summary>
    public string? MovedAsideTo { get; }

    /// <inheritdoc />
    public MessageStoreLoad Load(MessageId from)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var transaction = _connection.BeginTransaction();
            DeleteBefore(transaction, from);
            var messages = new List<StoredMessage>();
            var corrupt = new List<object>();
            using (var query = _connection.CreateCommand())
            {
                query.Transaction = transaction;
                query.CommandText = "SELECT id, payload, checksum FROM messages ORDER BY id;";
                using var reader = query.ExecuteReader();
                while (reader.Read())
                {
                    if (TryReadIntact(reader, out var message, out _))
                    {
                        messages.Add(message);
                    }
                    else
                    {
                        corrupt.Add(reader.GetValue(0));
                    }
                }
            }

            DeleteKeys(transaction, corrupt);
            var joined = ReadJoined(transaction);
            transaction.Commit();
            return new MessageStoreLoad(messages, corrupt.Count, joined);
        }
        catch (SqliteException ex)
        {
            throw Failure("read failed", ex);
        }
    }

    /// <inheritdoc />
    public void Save(IReadOnlyList<StoredMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (messages.Count == 0)
        {
            return;
        }

        try
        {
            using var transaction = _connection.BeginTransaction();
            _insert.Transaction = transaction;
            foreach (var message in messages)
            {
                var id = new byte[MessageId.Size];
                message.Id.WriteTo(id);
                _insertId.Value = id;
                _insertPayload.Value = MemoryMarshal.TryGetArray(message.Payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                    ? segment.Array
                    : message.Payload.ToArray();
                _insertChecksum.Value = Checksum(id, message.Payload.Span);
                _insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw Failure("write failed", ex);
        }
        finally
        {
            _insert.Transaction = null;
        }
    }

    /// <inheritdoc />
    public void RemoveBefore(MessageId bound)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            DeleteBefore(null, bound);
        }
        catch (SqliteException ex)
        {
            throw Failure("write failed", ex);
        }
    }

    /// <inheritdoc />
    public void Remove(IReadOnlyList<MessageId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ids.Count == 0)
        {
            return;
        }

        try
        {
            using var transaction = _connection.BeginTransaction();
            DeleteKeys(transaction, ids.Select(object (id) =>
            {
                var key = new byte[MessageId.Size];
                id.WriteTo(key);
                return key;
            }).ToList());
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw Failure("write failed", ex);
        }
    }

    /// <inheritdoc />
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            Execute(_connection, "DELETE FROM messages;");
        }
        catch (SqliteException ex)
        {
            throw Failure("write failed", ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>The last value recorded wins.</remarks>
    public void SetJoined(long unixMilliseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value;";
            command.Parameters.AddWithValue("$key", JoinedKey);
            command.Parameters.AddWithValue("$value", unixMilliseconds);
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            throw Failure("write failed", ex);
        }
    }

    /// <inheritdoc />
    /// <remarks><see cref="MessageStoreVerification.Detail"/> carries the result of <c>PRAGMA quick_check</c> and the file path.</remarks>
    public MessageStoreVerification Verify()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            var check = QuickCheck(_connection);
            using var transaction = _connection.BeginTransaction();
            var rows = 0;
            var bytes = 0L;
            var corrupt = new List<object>();
            using (var query = _connection.CreateCommand())
            {
                query.Transaction = transaction;
                query.CommandText = "SELECT id, payload, checksum FROM messages ORDER BY id;";
                using var reader = query.ExecuteReader();
                while (reader.Read())
                {
                    rows++;
                    if (TryReadIntact(reader, out _, out var length))
                    {
                        bytes += length;
                    }
                    else
                    {
                        corrupt.Add(reader.GetValue(0));
                    }
                }
            }

            DeleteKeys(transaction, corrupt);
            transaction.Commit();
            return new MessageStoreVerification(rows, rows - corrupt.Count, corrupt.Count, bytes, $"quick_check: {check}; {Path}");
        }
        catch (SqliteException ex)
        {
            throw Failure("verification failed", ex);
        }
    }

    /// <summary>Folds the WAL back into the database file and closes it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _insert.Dispose();
        try
        {
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        catch (SqliteException)
        {
            // Best effort: SQLite checkpoints again when the last connection closes, and replays the WAL at open.
        }

        _connection.Dispose();
    }

    private bool TryReadIntact(SqliteDataReader reader, out StoredMessage message, out int payloadLength)
    {
        message = default;
        payloadLength = 0;
        if (reader.GetFieldType(0) != typeof(byte[]) || reader.GetFieldType(1) != typeof(byte[]) || reader.GetFieldType(2) != typeof(long))
        {
            return false;
        }

        var id = reader.GetFieldValue<byte[]>(0);
        if (id.Length != MessageId.Size)
        {
            return false;
        }

        var payload = reader.GetFieldValue<byte[]>(1);
        if (Checksum(id, payload) != reader.GetInt64(2))
        {
            return false;
        }

        message = new StoredMessage(MessageId.Read(id), payload);
        payloadLength = payload.Length;
        return true;
    }

    private long Checksum(ReadOnlySpan<byte> id, ReadOnlySpan<byte> payload)
    {
        _hash.Reset();
        _hash.Append(id);
        _hash.Append(payload);
        return unchecked((long)_hash.GetCurrentHashAsUInt64());
    }

    private void DeleteBefore(SqliteTransaction? transaction, MessageId bound)
    {
        bound.WriteTo(_idBuffer);
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM messages WHERE id < $bound;";
        command.Parameters.Add("$bound", SqliteType.Blob).Value = _idBuffer;
        command.ExecuteNonQuery();
    }

    private void DeleteKeys(SqliteTransaction transaction, IReadOnlyList<object> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM messages WHERE id = $id;";
        var key = command.Parameters.Add("$id", SqliteType.Blob);
        foreach (var value in keys)
        {
            key.SqliteType = value switch
            {
                byte[] => SqliteType.Blob,
                long => SqliteType.Integer,
                double => SqliteType.Real,
                _ => SqliteType.Text,
            };
            key.Value = value;
            command.ExecuteNonQuery();
        }
    }

    private long? ReadJoined(SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM meta WHERE key = $key;";
        command.Parameters.AddWithValue("$key", JoinedKey);
        return command.ExecuteScalar() is long joined ? joined : null;
    }

    private MessageStoreException Failure(string what, SqliteException ex) =>
        new($"message store {Path}: {what}: {ex.Message}", ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase, ex);
}
