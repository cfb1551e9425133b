using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Plumtree.Storage;
using Plumtree.Testing;

namespace Plumtree.Storage.Sqlite.Tests;

public sealed class SqliteMessageStoreTests : MessageStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    private string CacheDir => _dir.Combine("cache");

    private string DbPath => Path.Combine(CacheDir, SqliteMessageStore.FileName);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    protected override IMessageStore Open() => SqliteMessageStore.Open(CacheDir);

    [Fact]
    public void Open_creates_the_directory_and_the_database_file()
    {
        using var store = SqliteMessageStore.Open(CacheDir);

        Assert.Equal(DbPath, store.Path);
        Assert.True(File.Exists(DbPath));
        Assert.Null(store.MovedAsideTo);
    }

    [Fact]
    public void Messages_and_the_join_time_survive_closing_and_reopening()
    {
        using (var store = SqliteMessageStore.Open(CacheDir))
        {
            store.SetJoined(1_700_000_000_000);
            store.Save([Message(200, "b"), Message(100, "a")]);
            store.Save([Message(300, "c")]);
        }

        using var reopened = SqliteMessageStore.Open(CacheDir);
        var load = reopened.Load(MessageId.Empty);

        Assert.Equal([(Id(100), "a"), (Id(200), "b"), (Id(300), "c")], Contents(load.Messages));
        Assert.Equal(1_700_000_000_000, load.JoinedUnixMilliseconds);
        Assert.Null(reopened.MovedAsideTo);
    }

    [Fact]
    public void The_database_uses_the_WAL_journal_and_records_its_schema_version()
    {
        using var store = SqliteMessageStore.Open(CacheDir);
        store.Save([Message(100, "a")]);

        using var connection = RawConnection();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version;"));
    }

    [Fact]
    public void A_row_with_a_damaged_payload_is_not_loaded_and_is_removed()
    {
        using var store = SqliteMessageStore.Open(CacheDir);
        store.Save([Message(100, "a"), Message(200, "b"), Message(300, "c")]);
        Corrupt($"UPDATE messages SET payload = x'DEADBEEF' WHERE id = x'{Id(200)}';");

        var load = store.Load(MessageId.Empty);
        var again = store.Load(MessageId.Empty);

        Assert.Equal([(Id(100), "a"), (Id(300), "c")], Contents(load.Messages));
        Assert.Equal(1, load.CorruptRemoved);
        Assert.Equal(0, again.CorruptRemoved);
        Assert.Equal([(Id(100), "a"), (Id(300), "c")], Contents(again.Messages));
        Assert.Equal(2L, RowCount());
    }

    [Fact]
    public void A_row_with_a_damaged_checksum_is_found_by_Verify_and_removed()
    {
        using var store = SqliteMessageStore.Open(CacheDir);
        store.Save([Message(100, "abc"), Message(200, "b"), Message(300, "de")]);
        Corrupt($"UPDATE messages SET checksum = checksum + 1 WHERE id = x'{Id(200)}';");

        var verification = store.Verify();
        var again = store.Verify();

        Assert.Equal((3, 2, 1, 5L), (verification.Rows, verification.Intact, verification.CorruptRemoved, verification.Bytes));
        Assert.Contains("quick_check: ok", verification.Detail, StringComparison.Ordinal);
        Assert.Contains(DbPath, verification.Detail, StringComparison.Ordinal);
        Assert.Equal((2, 2, 0), (again.Rows, again.Intact, again.CorruptRemoved));
        Assert.Equal([(Id(100), "abc"), (Id(300), "de")], Contents(store.Load(MessageId.Empty).Messages));
    }

    [Fact]
    public void Rows_of_the_wrong_shape_count_as_corrupt()
    {
        using var store = SqliteMessageStore.Open(CacheDir);
        store.Save([Message(100, "a")]);
        Corrupt("""
            INSERT INTO messages (id, payload, checksum) VALUES (x'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', x'00', 0);
            INSERT INTO messages (id, payload, checksum) VALUES (x'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', 'text payload', 0);
            INSERT INTO messages (id, payload, checksum) VALUES (x'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE', x'00', 'not a number');
            """);

        var load = store.Load(MessageId.Empty);

        Assert.Equal([(Id(100), "a")], Contents(load.Messages));
        Assert.Equal(3, load.CorruptRemoved);
        Assert.Equal(1L, RowCount());
    }

    [Fact]
    public void A_file_of_garbage_is_moved_aside_and_replaced_by_an_empty_store()
    {
        Directory.CreateDirectory(CacheDir);
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(DbPath, garbage);
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 6, 14, 5, 9, TimeSpan.Zero));

        using var store = SqliteMessageStore.Open(CacheDir, clock);

        Assert.Equal(DbPath + ".corrupt-20261206T140509Z", store.MovedAsideTo);
        Assert.Equal(garbage, File.ReadAllBytes(store.MovedAsideTo!));
        Assert.Empty(store.Load(MessageId.Empty).Messages);
        store.Save([Message(100, "a")]);
        Assert.Equal([(Id(100), "a")], Contents(store.Load(MessageId.Empty).Messages));
    }

    [Fact]
    public void A_second_damaged_file_in_the_same_second_does_not_overwrite_the_first()
    {
        Directory.CreateDirectory(CacheDir);
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 6, 14, 5, 9, TimeSpan.Zero));
        File.WriteAllText(DbPath, "first garbage, long enough to be no database header at all............................................");
        SqliteMessageStore.Open(CacheDir, clock).Dispose();
        File.WriteAllText(DbPath, "second garbage, long enough to be no database header at all...........................................");

        using var store = SqliteMessageStore.Open(CacheDir, clock);

        Assert.Equal(DbPath + ".corrupt-20261206T140509Z-2", store.MovedAsideTo);
        Assert.StartsWith("first", File.ReadAllText(DbPath + ".corrupt-20261206T140509Z"), StringComparison.Ordinal);
        Assert.StartsWith("second", File.ReadAllText(store.MovedAsideTo!), StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_database_is_moved_aside_and_replaced_by_an_empty_store()
    {
        using (var store = SqliteMessageStore.Open(CacheDir))
        {
            store.Save([.. Enumerable.Range(0, 500).Select(i => new StoredMessage(Id(1000 + i), new byte[300]))]);
        }

        var original = File.ReadAllBytes(DbPath);
        var truncated = original[..(original.Length / 2)];
        File.WriteAllBytes(DbPath, truncated);

        using var reopened = SqliteMessageStore.Open(CacheDir);

        Assert.NotNull(reopened.MovedAsideTo);
        Assert.Equal(truncated, File.ReadAllBytes(reopened.MovedAsideTo));
        Assert.Empty(reopened.Load(MessageId.Empty).Messages);
    }

    [Fact]
    public void A_database_cut_inside_its_header_is_moved_aside()
    {
        using (var store = SqliteMessageStore.Open(CacheDir))
        {
            store.Save([Message(100, "a")]);
        }

        File.WriteAllBytes(DbPath, File.ReadAllBytes(DbPath)[..60]);

        using var reopened = SqliteMessageStore.Open(CacheDir);

        Assert.NotNull(reopened.MovedAsideTo);
        Assert.Empty(reopened.Load(MessageId.Empty).Messages);
    }

    [Fact]
    public void A_directory_that_cannot_be_created_is_reported_with_its_path()
    {
        var file = _dir.File("not-a-directory", "x");
        var directory = Path.Combine(file, "cache");

        var error = Assert.Throws<MessageStoreException>(() => SqliteMessageStore.Open(directory));

        Assert.False(error.IsCorrupt);
        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_from_a_newer_schema_is_refused_and_left_in_place()
    {
        using (SqliteMessageStore.Open(CacheDir))
        {
        }

        using (var connection = RawConnection())
        {
            Execute(connection, "PRAGMA user_version = 99;");
        }

        var error = Assert.Throws<MessageStoreException>(() => SqliteMessageStore.Open(CacheDir));

        Assert.False(error.IsCorrupt);
        Assert.Contains(DbPath, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(CacheDir, "*.corrupt-*"));
    }

    [Fact]
    public void Ten_thousand_messages_of_one_KiB_save_and_load_intact()
    {
        var messages = Enumerable.Range(0, 10_000).Select(i =>
        {
            var payload = new byte[1024];
            new Random(i).NextBytes(payload);
            return new StoredMessage(Id(1_700_000_000_000 + (i / 7), (ulong)i), payload);
        }).ToList();
        var watch = Stopwatch.StartNew();

        using (var store = SqliteMessageStore.Open(CacheDir))
        {
            foreach (var batch in messages.Chunk(500))
            {
                store.Save(batch);
            }
        }

        var saved = watch.Elapsed;
        using var reopened = SqliteMessageStore.Open(CacheDir);
        var load = reopened.Load(MessageId.Empty);
        TestContext.Current.SendDiagnosticMessage($"10,000 x 1 KiB: save {saved.TotalMilliseconds:F0} ms, reopen+load {(watch.Elapsed - saved).TotalMilliseconds:F0} ms");

        Assert.Equal(0, load.CorruptRemoved);
        Assert.Equal(messages.Select(m => m.Id), load.Messages.Select(m => m.Id));
        Assert.All(load.Messages.Zip(messages), pair => Assert.True(pair.First.Payload.Span.SequenceEqual(pair.Second.Payload.Span)));
    }

    private SqliteConnection RawConnection()
    {
        var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        return connection;
    }

    private void Corrupt(string sql)
    {
        using var connection = RawConnection();
        Execute(connection, sql);
    }

    private long RowCount()
    {
        using var connection = RawConnection();
        return (long)Scalar(connection, "SELECT count(*) FROM messages;")!;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
