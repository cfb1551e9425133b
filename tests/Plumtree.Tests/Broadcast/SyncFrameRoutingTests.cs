using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>Sync frames belong to the sync engine: one that reaches the broadcast engine is malformed input.</summary>
public sealed class SyncFrameRoutingTests
{
    [Fact]
    public void A_Sync_frame_reaching_the_broadcast_engine_is_counted_as_malformed_and_changes_nothing()
    {
        var f = EngineFixture.Create(EngineFixture.Plain(1, 1), eager: ["e"], lazy: ["l"], others: ["x"]);
        var sentBefore = f.Output.Sent.Count;

        f.Engine.Receive("e", PlumtreeFrame.Sync(new byte[] { 7, 0, 0, 0, 1, 1 }), TimeSpan.Zero);
        f.Engine.Receive("x", PlumtreeFrame.Sync(new byte[] { 7, 0, 0, 0, 1, 1 }), TimeSpan.Zero);

        Assert.Equal(2, f.Engine.Counters.Malformed);
        Assert.Equal(sentBefore, f.Output.Sent.Count);
        Assert.Equal(["e"], f.Engine.EagerPeers);
        Assert.Equal(["l"], f.Engine.LazyPeers);
    }
}
