using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class GossipTests
{
    [Fact]
    public void Gossip_goes_every_interval_to_up_to_GossipNodes_distinct_members_with_crc_by_protocol()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(6, pmax: 5);
        h.AddNodes(4, pmax: 4, first: 7);
        h.AllRespond();
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, h.Engine.QueuedBroadcasts);

        var mark = h.Output.Packets.Count;
        h.Engine.QueueUserBroadcast([1, 2, 3]);
        h.Advance(TimeSpan.FromSeconds(2));
        var rounds = h.Output.Packets.Skip(mark).Where(p => p.First is UserMessage).GroupBy(p => p.At).ToList();

        var first = rounds[0].ToList();
        Assert.Equal(3, first.Count);
        Assert.Equal(3, first.Select(p => p.To).Distinct().Count());
        Assert.DoesNotContain(first, p => p.To.Equals(EngineHarness.SelfEndPoint));
        foreach (var packet in first)
        {
            var member = h.Engine.Members.Single(m => m.EndPoint.Equals(packet.To));
            Assert.Equal(member.Versions.ProtocolMax >= 5, packet.Crc);
        }

        Assert.Equal(h.Options.GossipInterval, rounds[1].Key - rounds[0].Key);
    }

    [Fact]
    public void Nothing_is_gossiped_when_the_queue_is_empty()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(4);
        h.AllRespond();
        h.Advance(TimeSpan.FromSeconds(5));
        var mark = h.Output.Packets.Count;
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.All(h.Output.Packets.Skip(mark), p => Assert.IsType<Ping>(p.First));
    }

    [Fact]
    public void New_nodes_are_inserted_at_random_positions_of_the_probe_list()
    {
        var h = new EngineHarness();
        h.AddNodes(20);
        var order = h.Engine.Members.Select(m => m.Name).ToList();
        var appended = new[] { EngineHarness.SelfName }.Concat(Enumerable.Range(1, 20).Select(i => $"n{i}")).ToList();
        Assert.Equal(appended.Order(), order.Order());
        Assert.NotEqual(appended, order);
    }
}
