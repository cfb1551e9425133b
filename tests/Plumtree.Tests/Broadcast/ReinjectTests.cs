using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary><see cref="BroadcastEngine.Reinject"/>: what anti-entropy recovered goes into the tree, unless the tree still has it in hand.</summary>
public sealed class ReinjectTests
{
    private const long Wall = 1_700_000_000_000;

    private static MessageId MintedAt(long unixMilliseconds, ulong low) => new((ulong)unixMilliseconds << 16, low);

    [Fact]
    public void A_recovered_message_is_pushed_to_eager_peers_and_announced_to_lazy_ones_without_a_second_delivery()
    {
        var f = EngineFixture.Create(EngineFixture.Plain(eagerFanout: 2, lazyFanout: 2), eager: ["a", "b"], lazy: ["c", "d"]);
        var id = MintedAt(Wall - 10_000, 1);

        Assert.True(f.Engine.Reinject(id, EngineFixture.Payload(), EngineFixture.Ms(1), Wall));
        f.RunTimersUntil(EngineFixture.Ms(1_000));

        Assert.Empty(f.Output.Delivered);
        Assert.Equal(["a", "b"], f.Output.OfType(FrameType.Gossip).Select(s => s.To).Order());
        Assert.Equal(["c", "d"], f.Output.OfType(FrameType.IHave).Select(s => s.To).Order());
        Assert.Equal(1, f.Engine.Counters.Reinjected);
        Assert.False(f.Engine.Reinject(id, EngineFixture.Payload(), EngineFixture.Ms(2), Wall), "known now");
    }

    [Fact]
    public void A_message_younger_than_ReinjectMinAge_is_left_to_the_tree()
    {
        // The tree is most likely still carrying it: a push would send duplicates, and when the tree's copy arrives
        // here it would be a duplicate from the parent, which prunes a working link.
        var f = EngineFixture.Create(EngineFixture.Plain(eagerFanout: 2, lazyFanout: 2), eager: ["a", "b"], lazy: ["c", "d"]);
        var minAge = (long)f.Engine.ReinjectMinAge.TotalMilliseconds;
        Assert.Equal(1_500, minAge); // default options: 2 × (50 + 200 + 5 × 100) ms
        var young = MintedAt(Wall - minAge + 1, 2);

        Assert.False(f.Engine.Reinject(young, EngineFixture.Payload(), EngineFixture.Ms(1), Wall));
        Assert.Empty(f.Output.Sent);
        Assert.Equal(0, f.Engine.Counters.Reinjected);

        // The tree's copy then arrives and is delivered as usual, from its parent, which stays eager.
        f.Gossip("a", 5, 1, EngineFixture.Ms(2));
        Assert.Single(f.Output.Delivered);
        Assert.Contains("a", f.Engine.EagerPeers);

        // Old enough, it is pushed.
        Assert.True(f.Engine.Reinject(MintedAt(Wall - minAge, 3), EngineFixture.Payload(), EngineFixture.Ms(3), Wall));
    }
}
