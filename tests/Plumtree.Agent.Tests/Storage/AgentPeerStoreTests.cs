using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Plumtree.Agent.Storage;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Storage.Sqlite;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Storage;

public sealed class AgentPeerStoreTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeLogger _logger = new();

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PeerStoreMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), Options.Create(new PlumtreeNodeOptions { NodeName = "node-a" }));

    [Fact]
    public async Task The_agent_keeps_known_peers_in_sqlite_in_its_data_directory()
    {
        var dataDir = _dir.Combine("data/nested");

        using (var store = Assert.IsType<SqlitePeerStore>(AgentPeerStore.Open(dataDir, Metrics(), TimeProvider.System, _logger)))
        {
            await store.RecordAsync([TestPeers.Peer("node-b", "10.0.0.2:7946", 1)], Ct);
        }

        Assert.True(File.Exists(Path.Combine(dataDir, SqlitePeerStore.FileName)));
        using var reopened = SqlitePeerStore.Open(Path.Combine(dataDir, SqlitePeerStore.FileName));
        Assert.Single(await reopened.GetRecentAsync(10, Ct));
    }

    [Fact]
    public async Task A_corrupt_database_is_moved_aside_reported_and_counted_and_an_empty_one_takes_its_place()
    {
        var path = _dir.Combine(SqlitePeerStore.FileName);
        await File.WriteAllTextAsync(path, "this is not a sqlite database, it is a text file that got here somehow", Ct);
        var metrics = Metrics();

        using var store = Assert.IsType<SqlitePeerStore>(AgentPeerStore.Open(_dir.Path, metrics, TimeProvider.System, _logger));

        Assert.Empty(await store.GetRecentAsync(10, Ct));
        Assert.Equal(1, metrics.Count);
        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 2011);
        Assert.Contains(path, log.Message, StringComparison.Ordinal);
        var aside = Assert.Single(Directory.GetFiles(_dir.Path, SqlitePeerStore.FileName + ".corrupt-*"));
        Assert.StartsWith("this is not a sqlite database", await File.ReadAllTextAsync(aside, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_starts_over_a_corrupt_database_and_counts_it_in_metrics()
    {
        var dataDir = _dir.Combine("agent-data");
        Directory.CreateDirectory(dataDir);
        await File.WriteAllTextAsync(Path.Combine(dataDir, SqlitePeerStore.FileName), "garbage, not SQLite", Ct);
        await using var agent = await TestAgent.StartAsync(settings: new Dictionary<string, string?> { ["Plumtree:DataDir"] = dataDir });

        using var response = await agent.Client.GetAsync("/metrics", Ct);
        var metrics = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("plumtree_storage_errors_total{kind=\"open\",node=\"node-a\",store=\"peers\"} 1", metrics, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dataDir, SqlitePeerStore.FileName + ".corrupt-*"));
    }

    [Fact]
    public void A_data_directory_that_cannot_be_used_leaves_the_agent_with_an_in_memory_store()
    {
        var file = _dir.File("a-file", "x");

        var store = AgentPeerStore.Open(Path.Combine(file, "data"), Metrics(), TimeProvider.System, _logger);

        Assert.IsType<InMemoryPeerStore>(store);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 2007);
    }
}
