using System.Net;
using Microsoft.Data.Sqlite;
using Plumtree.Storage;
using Plumtree.Storage.Sqlite;
using Plumtree.Testing;

namespace Plumtree.Storage.Sqlite.Tests;

public sealed class SqlitePeerStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string DbPath => _dir.Combine(SqlitePeerStore.FileName);

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Peers_recorded_survive_closing_and_reopening_the_database()
    {
        using (var store = SqlitePeerStore.Open(DbPath))
        {
            await store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 1), TestPeers.Peer("node-c", "[fd00::3]:7947", 2)], Ct);
        }

        using var reopened = SqlitePeerStore.Open(DbPath);
        var peers = await reopened.GetRecentAsync(10, Ct);

        Assert.Equal([TestPeers.Peer("node-c", "[fd00::3]:7947", 2), TestPeers.Peer("node-b", "10.0.0.2:7946", 1)], peers);
    }

    [Fact]
    public async Task The_database_uses_the_WAL_journal()
    {
        using var store = SqlitePeerStore.Open(DbPath);
        await store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 1)], Ct);

        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public async Task Most_recently_seen_come_first_ties_by_name_and_the_limit_bounds_the_answer()
    {
        using var store = SqlitePeerStore.Open(DbPath);
        await store.RecordAsync([TestPeers.Peer("old", "10.0.0.1:1", 1), TestPeers.Peer("newest", "10.0.0.2:2", 9), TestPeers.Peer("mid-b", "10.0.0.3:3", 5), TestPeers.Peer("mid-a", "10.0.0.4:4", 5)], Ct);

        var two = await store.GetRecentAsync(2, Ct);
        var all = await store.GetRecentAsync(100, Ct);

        Assert.Equal(["newest", "mid-a"], two.Select(p => p.Name));
        Assert.Equal(["newest", "mid-a", "mid-b", "old"], all.Select(p => p.Name));
        Assert.Empty(await store.GetRecentAsync(0, Ct));
    }

    [Fact]
    public async Task A_newer_sighting_replaces_the_address_and_an_older_one_is_ignored()
    {
        using var store = SqlitePeerStore.Open(DbPath);
        await store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 5)], Ct);

        await store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.9:7946", 8)], Ct);
        await store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.7:7946", 6)], Ct);

        Assert.Equal([TestPeers.Peer("node-b", "10.0.0.9:7946", 8)], await store.GetRecentAsync(10, Ct));
    }

    [Fact]
    public async Task Beyond_its_capacity_the_store_forgets_the_least_recently_seen()
    {
        using var store = SqlitePeerStore.Open(DbPath, capacity: 2);

        await store.RecordAsync([TestPeers.Peer("a", "10.0.0.1:1", 1), TestPeers.Peer("b", "10.0.0.2:2", 3), TestPeers.Peer("c", "10.0.0.3:3", 2)], Ct);

        Assert.Equal(["b", "c"], (await store.GetRecentAsync(10, Ct)).Select(p => p.Name));
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_reported_as_corrupt_and_can_be_moved_aside()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(DbPath, garbage, Ct);

        var error = Assert.Throws<PeerStoreException>(() => SqlitePeerStore.Open(DbPath));
        var movedTo = SqlitePeerStore.MoveAside(DbPath, "test");
        using var fresh = SqlitePeerStore.Open(DbPath);

        Assert.True(error.IsCorrupt, error.Message);
        Assert.Contains(DbPath, error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(movedTo, Ct));
        Assert.Empty(await fresh.GetRecentAsync(10, Ct));
    }

    [Fact]
    public async Task A_database_with_a_damaged_page_fails_its_integrity_check()
    {
        using (var store = SqlitePeerStore.Open(DbPath))
        {
            var many = Enumerable.Range(0, 400).Select(i => TestPeers.Peer($"node-{i:D4}-{new string('x', 60)}", $"10.0.{i / 250}.{i % 250}:7946", i)).ToList();
            await store.RecordAsync(many, Ct);
        }

        // Fold the WAL back into the file, then overwrite the second page (a b-tree page of the table) with noise.
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;";
            checkpoint.ExecuteNonQuery();
        }

        await using (var file = new FileStream(DbPath, FileMode.Open, FileAccess.Write))
        {
            var noise = new byte[4096];
            new Random(11).NextBytes(noise);
            file.Seek(4096, SeekOrigin.Begin);
            await file.WriteAsync(noise, Ct);
        }

        var error = Assert.Throws<PeerStoreException>(() => SqlitePeerStore.Open(DbPath));

        Assert.True(error.IsCorrupt, error.Message);
    }

    [Fact]
    public async Task Rows_whose_address_does_not_parse_are_skipped_and_counted()
    {
        using var store = SqlitePeerStore.Open(DbPath);
        await store.RecordAsync([TestPeers.Peer("good", "10.0.0.1:7946", 1)], Ct);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO peers (name, address, last_seen_ms) VALUES ('bad', 'not an address', 9999999999999);";
            insert.ExecuteNonQuery();
        }

        var peers = await store.GetRecentAsync(10, Ct);

        Assert.Equal(["good"], peers.Select(p => p.Name));
        Assert.Equal(1, store.SkippedRows);
    }
}
