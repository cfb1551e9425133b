using Plumtree.Broadcast;
using Plumtree.Node;
using Plumtree.Wire;
using static Plumtree.Tests.Broadcast.EngineFixture;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// <see cref="BroadcastEngine.PeerSetVersion"/> moves exactly when the eager, lazy or ring set changes, so the node
/// publishes a snapshot per broadcast without sorting the peer sets again.
/// </summary>
public sealed class PeerSetVersionTests
{
    [Fact]
    public void Broadcasts_deliveries_and_announcements_leave_the_stamp_alone()
    {
        var fixture = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"]);
        var engine = fixture.Engine;
        var before = engine.PeerSetVersion;

        engine.Broadcast(Id(1), Payload(), Ms(10));
        fixture.Gossip("a", 2, hop: 1, Ms(20));
        fixture.IHave("c", Ms(30), (3, 1));
        engine.Tick(Ms(40));

        Assert.Equal(before, engine.PeerSetVersion);
    }

    [Fact]
    public void Every_change_of_role_or_membership_of_the_peer_set_moves_the_stamp()
    {
        var fixture = Create(Plain(2, 2), eager: ["a", "b"], lazy: ["c"], others: ["d"]);
        var engine = fixture.Engine;
        var seen = new List<long> { engine.PeerSetVersion };
        void Moved(string what)
        {
            Assert.True(engine.PeerSetVersion > seen[^1], what);
            seen.Add(engine.PeerSetVersion);
        }

        fixture.Prune("a", Ms(1));
        Moved("eager to lazy");
        fixture.Graft("c", 0, 0, Ms(2));
        Moved("lazy to eager");
        engine.Receive("b", PlumtreeFrame.Disconnect(), Ms(3));
        Moved("peer removed");
        engine.Receive("d", PlumtreeFrame.Neighbor(highPriority: false), Ms(4));
        Moved("peer added");
        engine.SetView(PeerView.Create(["self", "a", "c", "d", "e"]), Ms(5));
        Moved("new view");
    }

    [Fact]
    public void The_node_reuses_the_sorted_peer_sets_until_the_stamp_moves()
    {
        var fixture = Create(Plain(2, 2), eager: ["b", "a"], lazy: ["c"]);
        var engine = fixture.Engine;
        var builder = new SnapshotBuilder(SelfName, TimeSpan.FromSeconds(10), new MemberTagCache());
        var first = builder.Build(engine, membership: null, everJoined: true, leaving: false, Ms(1)).Broadcast;

        engine.Broadcast(Id(1), Payload(), Ms(2));
        var second = builder.Build(engine, membership: null, everJoined: true, leaving: false, Ms(2)).Broadcast;

        Assert.Same(first.EagerPeers, second.EagerPeers);
        Assert.Same(first.LazyPeers, second.LazyPeers);
        Assert.Same(first.RingNeighbors, second.RingNeighbors);
        Assert.Equal(["a", "b"], second.EagerPeers);
        Assert.Equal((0, 1, Ms(2)), (first.CacheSize, second.CacheSize, second.Now));

        fixture.Prune("a", Ms(3));
        var third = builder.Build(engine, membership: null, everJoined: true, leaving: false, Ms(3)).Broadcast;

        Assert.Equal(["b"], third.EagerPeers);
        Assert.Equal(["a", "c"], third.LazyPeers);
        Assert.Equal((engine.CacheSize, engine.PendingGrafts, engine.DedupSize, engine.View.Count), (third.CacheSize, third.PendingGrafts, third.DedupSize, third.ViewSize));
    }
}
