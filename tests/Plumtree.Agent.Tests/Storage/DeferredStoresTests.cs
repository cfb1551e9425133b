using System.Net;
using Plumtree.Agent.Storage;
using Plumtree.Storage;

namespace Plumtree.Agent.Tests.Storage;

public sealed class DeferredStoresTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_peer_store_opens_in_the_background_and_every_call_waits_for_it()
    {
        using var gate = new ManualResetEventSlim();
        var inner = new InMemoryPeerStore();
        using var store = new DeferredPeerStore(() =>
        {
            gate.Wait(Ct);
            return inner;
        });

        // Created without waiting for the open; a call made meanwhile completes once the store is there.
        var record = store.RecordAsync([new KnownPeer("node-b", IPEndPoint.Parse("10.0.0.2:7946"), DateTimeOffset.UnixEpoch)], Ct).AsTask();
        Assert.False(record.IsCompleted);
        gate.Set();
        await record.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal("node-b", Assert.Single(await inner.GetRecentAsync(10, Ct)).Name);
        Assert.Equal("node-b", Assert.Single(await store.GetRecentAsync(10, Ct)).Name);
    }

    [Fact]
    public void The_message_store_forwards_every_call_to_the_store_once_open()
    {
        var inner = new InMemoryMessageStore();
        var store = new DeferredMessageStore(() => inner);

        store.SetJoined(1234);
        Assert.Equal(1234, store.Load(default).JoinedUnixMilliseconds);
        Assert.Equal(1234, inner.Load(default).JoinedUnixMilliseconds);

        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => inner.Load(default));
    }

    [Fact]
    public async Task A_failed_open_surfaces_at_the_first_call()
    {
        using var store = new DeferredPeerStore(() => throw new IOException("disk gone"));

        var error = await Assert.ThrowsAsync<IOException>(async () => await store.GetRecentAsync(1, Ct));
        Assert.Equal("disk gone", error.Message);
    }
}
