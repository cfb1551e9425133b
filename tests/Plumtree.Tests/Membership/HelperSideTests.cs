using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class HelperSideTests
{
    private static readonly IPEndPoint Requester = EngineHarness.EndPointOf(2);
    private static readonly IPEndPoint Target = EngineHarness.EndPointOf(3);

    private static EngineHarness Started() =>
        new(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero, GossipNodes = 0 });

    private static IndirectPing Request(bool nack) =>
        new(77, Target.Address.GetAddressBytes(), 7946, "n3", nack, Requester.Address.GetAddressBytes(), 7946, "n2");

    [Fact]
    public void An_indirect_ping_is_served_with_a_new_sequence_number_and_the_ack_relayed_with_the_original()
    {
        var h = Started();
        h.Receive(IPEndPoint.Parse("10.9.9.9:1"), Request(nack: true));
        var ping = Assert.IsType<Ping>(h.Output.Packets[^1].First);
        Assert.Equal(Target, h.Output.Packets[^1].To);
        Assert.NotEqual(77u, ping.SeqNo);
        Assert.Equal("n3", ping.Node);
        Assert.Equal(EngineHarness.SelfName, ping.SourceNode);

        h.Receive(Target, new Ack(ping.SeqNo));
        var relayed = h.Output.Packets[^1];
        Assert.Equal(Requester, relayed.To);
        Assert.Equal(new Ack(77), relayed.First);

        // No nack after an ack.
        var count = h.Output.Packets.Count;
        h.Advance(h.Options.ProbeTimeout * 2);
        Assert.DoesNotContain(h.Output.Packets.Skip(count), p => p.First is Nack);
    }

    [Fact]
    public void A_silent_target_brings_a_nack_after_ProbeTimeout_when_asked()
    {
        var h = Started();
        h.Receive(Requester, Request(nack: true));
        h.Advance(h.Options.ProbeTimeout - TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain(h.Output.Packets, p => p.First is Nack);
        h.Advance(TimeSpan.FromMilliseconds(1));
        var nack = h.Output.Packets.Single(p => p.First is Nack);
        Assert.Equal(new Nack(77), nack.First);
        Assert.Equal(Requester, nack.To);
        Assert.Equal(1, h.Engine.Counters.NacksSent);

        // An ack after the window is not relayed.
        var ping = (Ping)h.Output.Packets.First(p => p.First is Ping).First;
        h.Receive(Target, new Ack(ping.SeqNo));
        Assert.DoesNotContain(h.Output.Packets, p => p.First is Ack { SeqNo: 77 });
    }

    [Fact]
    public void No_nack_is_sent_when_none_was_asked_for()
    {
        var h = Started();
        h.Receive(Requester, Request(nack: false));
        h.Advance(h.Options.ProbeTimeout * 2);
        Assert.DoesNotContain(h.Output.Packets, p => p.First is Nack);
    }

    [Fact]
    public void Without_source_fields_the_relay_goes_to_the_udp_source()
    {
        var h = Started();
        var from = IPEndPoint.Parse("10.9.9.9:5000");
        h.Receive(from, Request(nack: false) with { SourceAddr = null, SourcePort = 0, SourceNode = "" });
        var ping = (Ping)h.Output.Packets[^1].First;
        h.Receive(Target, new Ack(ping.SeqNo));
        Assert.Equal(from, h.Output.Packets[^1].To);
    }

    [Fact]
    public void Pings_are_acked_to_the_source_fields_or_the_udp_source_and_dropped_when_for_another_node()
    {
        var h = Started();
        var from = IPEndPoint.Parse("10.9.9.9:5000");
        h.Receive(from, new Ping(1, "someone-else"));
        Assert.Empty(h.Output.Packets);

        h.Receive(from, new Ping(2, EngineHarness.SelfName));
        Assert.Equal((from, (MemberlistMessage)new Ack(2)), (h.Output.Packets[^1].To, h.Output.Packets[^1].First));

        h.Receive(from, new Ping(3, "", Requester.Address.GetAddressBytes(), 7946, "n2"));
        Assert.Equal((Requester, (MemberlistMessage)new Ack(3)), (h.Output.Packets[^1].To, h.Output.Packets[^1].First));
    }

    [Fact]
    public void User_messages_in_packets_are_delivered()
    {
        var h = Started();
        h.Receive(Requester, new UserMessage([1, 2, 3]));
        Assert.Equal([1, 2, 3], Assert.Single(h.Output.UserMessages));
        Assert.Equal(1, h.Engine.Counters.GossipMessagesReceived);
    }
}
