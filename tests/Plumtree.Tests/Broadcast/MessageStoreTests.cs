using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

public sealed class MessageStoreTests
{
    [Fact]
    public void The_payload_cache_keeps_at_most_CacheMaxEntries_evicting_the_oldest()
    {
        var f = Create(Plain(1, 1) with { CacheMaxEntries = 3, DedupMaxEntries = 10 }, eager: ["a"], lazy: ["c"]);
        for (var i = 1; i <= 5; i++)
        {
            f.Gossip("a", i, hop: 1, Ms(i));
        }

        f.Output.Clear();
        for (var i = 1; i <= 5; i++)
        {
            f.Graft("c", i, hop: 1, Ms(10));
        }

        Assert.Equal(3, f.Engine.CacheSize);
        Assert.Equal(["c: Gossip m3 hop 2 16B", "c: Gossip m4 hop 2 16B", "c: Gossip m5 hop 2 16B"], f.Output.Lines);
        Assert.Equal(2, f.Engine.Counters.GraftUnserved);
    }

    [Fact]
    public void Payloads_expire_after_CacheTtl_even_without_a_tick()
    {
        var f = Create(Plain(1, 1) with { CacheTtl = TimeSpan.FromSeconds(1) }, eager: ["a"], lazy: ["c"]);
        f.Gossip("a", 1, hop: 1, Ms(100));
        f.Output.Clear();

        f.Graft("c", 1, hop: 1, Ms(1099));
        Assert.Single(f.Output.Sent);
        f.Graft("c", 1, hop: 1, Ms(1100));
        Assert.Single(f.Output.Sent);
        Assert.Equal(1, f.Engine.Counters.GraftUnserved);
    }

    [Fact]
    public void De_duplication_holds_for_the_whole_horizon_after_ClearCache_and_is_bounded_by_DedupMaxEntries()
    {
        var options = Plain(1, 1) with
        {
            CacheTtl = TimeSpan.FromSeconds(1),
            CacheMaxEntries = 2,
            DedupHorizon = TimeSpan.FromSeconds(60),
            DedupMaxEntries = 3,
        };
        var f = Create(options, eager: ["a"], lazy: ["c"]);
        for (var i = 1; i <= 4; i++)
        {
            f.Gossip("a", i, hop: 1, Ms(i));
        }

        f.Engine.ClearCache();
        Assert.Equal((0, 3), (f.Engine.CacheSize, f.Engine.DedupSize));
        f.Output.Clear();

        f.Gossip("c", 2, hop: 1, TimeSpan.FromSeconds(59)); // remembered: not delivered again
        f.Gossip("c", 4, hop: 1, TimeSpan.FromSeconds(59));
        Assert.Empty(f.Output.Delivered);

        f.Gossip("c", 1, hop: 1, TimeSpan.FromSeconds(59)); // the oldest was forgotten when the fourth arrived
        Assert.Equal([Id(1)], f.Output.Delivered.Select(d => d.Id));
    }

    [Fact]
    public void Expiry_is_scheduled_as_a_tick_so_memory_is_released_without_traffic()
    {
        var f = Create(Plain(1, 1) with { CacheTtl = TimeSpan.FromSeconds(16), DedupHorizon = TimeSpan.FromSeconds(32) }, eager: ["a"], lazy: ["c"]);
        f.Gossip("a", 1, hop: 1, TimeSpan.Zero);

        f.RunTimersUntil(TimeSpan.FromSeconds(40));

        Assert.Equal((0, 0), (f.Engine.CacheSize, f.Engine.DedupSize));
        Assert.Null(f.Engine.NextTickAt);
    }

    [Fact]
    public void NextExpiry_follows_the_earliest_head_through_adds_evictions_expiry_and_ClearPayloads()
    {
        var store = new Plumtree.Broadcast.MessageStore(Plain(1, 1) with
        {
            CacheTtl = TimeSpan.FromSeconds(10),
            CacheMaxEntries = 2,
            DedupHorizon = TimeSpan.FromSeconds(100),
            DedupMaxEntries = 3,
        });
        Assert.Null(store.NextExpiry);

        Assert.True(store.TryAdd(Id(1), new byte[1], 1, "a", TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(11), store.NextExpiry); // payload 1
        store.TryAdd(Id(2), new byte[1], 1, "a", TimeSpan.FromSeconds(2));
        store.TryAdd(Id(3), new byte[1], 1, "a", TimeSpan.FromSeconds(3)); // the cache bound drops payload 1
        Assert.Equal(TimeSpan.FromSeconds(12), store.NextExpiry);

        store.Expire(TimeSpan.FromSeconds(11.9)); // before the earliest expiry: nothing goes
        Assert.Equal((2, 3), (store.CacheCount, store.Count));

        store.Expire(TimeSpan.FromSeconds(12)); // payload 2 expires
        Assert.Equal((1, 3), (store.CacheCount, store.Count));
        Assert.Equal(TimeSpan.FromSeconds(13), store.NextExpiry);

        store.ClearPayloads(); // only ids are left: the id horizon is next
        Assert.Equal(TimeSpan.FromSeconds(101), store.NextExpiry);

        Assert.True(store.TryAddRefused(Id(4), TimeSpan.FromSeconds(20))); // the id bound drops id 1
        Assert.Equal(TimeSpan.FromSeconds(102), store.NextExpiry);

        store.Expire(TimeSpan.FromSeconds(103)); // ids 2 and 3 go
        Assert.Equal(1, store.Count);
        Assert.Equal(TimeSpan.FromSeconds(120), store.NextExpiry);

        store.Expire(TimeSpan.FromSeconds(120));
        Assert.Equal(0, store.Count);
        Assert.Null(store.NextExpiry);
    }
}
