using Plumtree.Storage;
using Plumtree.Testing;

namespace Plumtree.Tests.Storage;

public sealed class InMemoryPeerStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Most_recently_seen_come_first_and_an_older_sighting_never_wins()
    {
        var store = new InMemoryPeerStore();
        await store.RecordAsync([TestPeers.Peer("a", "10.0.0.1:1", 1), TestPeers.Peer("b", "10.0.0.2:2", 4), TestPeers.Peer("c", "10.0.0.3:3", 4)], Ct);
        await store.RecordAsync([TestPeers.Peer("b", "10.0.0.9:9", 2)], Ct);

        var peers = await store.GetRecentAsync(10, Ct);

        Assert.Equal(["b", "c", "a"], peers.Select(p => p.Name));
        Assert.Equal("10.0.0.2:2", peers[0].Address.ToString());
        Assert.Single(await store.GetRecentAsync(1, Ct));
    }

    [Fact]
    public async Task Beyond_its_capacity_the_least_recently_seen_are_forgotten()
    {
        var store = new InMemoryPeerStore(capacity: 2);

        await store.RecordAsync([TestPeers.Peer("a", "10.0.0.1:1", 1), TestPeers.Peer("b", "10.0.0.2:2", 3), TestPeers.Peer("c", "10.0.0.3:3", 2)], Ct);

        Assert.Equal(["b", "c"], (await store.GetRecentAsync(10, Ct)).Select(p => p.Name));
    }
}
