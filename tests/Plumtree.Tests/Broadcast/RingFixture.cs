using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// An engine on a hash ring of seven members (self and n1..n6) with two ring neighbours, worked out here
/// from the view's ring order independently of the engine: eager = successor, predecessor and one other
/// member; lazy = two more; one member is in the view but not a peer.
/// </summary>
internal sealed class RingFixture
{
    private RingFixture(EngineFixture fixture, string successor, string predecessor, string[] others)
    {
        F = fixture;
        Successor = successor;
        Predecessor = predecessor;
        Others = others;
    }

    public EngineFixture F { get; }

    public string Successor { get; }

    public string Predecessor { get; }

    /// <summary>Members that are not ring neighbours: [0] eager, [1] and [2] lazy, [3] not a peer.</summary>
    public string[] Others { get; }

    public static BroadcastOptions Options(bool protect) => new()
    {
        EagerFanout = 3,
        LazyFanout = 2,
        HashRing = true,
        MaxProtectedNeighbors = 2,
        ProtectRingNeighbors = protect,
        NeighborRefusalTtl = TimeSpan.Zero,
    };

    public static RingFixture Create(bool protect)
    {
        var view = PeerView.Create([EngineFixture.SelfName, "n1", "n2", "n3", "n4", "n5", "n6"]);
        var position = view.PositionOf(EngineFixture.SelfName);
        var successor = view[position + 1];
        var predecessor = view[position - 1];
        var others = view.Ring.ToArray().Where(n => n != EngineFixture.SelfName && n != successor && n != predecessor).ToArray();
        var fixture = EngineFixture.Create(Options(protect), eager: [successor, predecessor, others[0]], lazy: [others[1], others[2]], others: [others[3]]);
        return new RingFixture(fixture, successor, predecessor, others);
    }
}
