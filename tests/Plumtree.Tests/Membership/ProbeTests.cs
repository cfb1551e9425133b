using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class ProbeTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Probe_order_covers_every_other_live_node_once_per_round()
    {
        var h = new EngineHarness();
        h.AddNodes(8);
        var rounds = new List<List<string>>();
        for (var round = 0; round < 3; round++)
        {
            var targets = new List<string>();
            for (var i = 0; i < 8; i++)
            {
                var (ping, packet) = h.RunUntilProbe();
                targets.Add(ping.Node);
                Assert.Equal(h.Engine.GetMember(ping.Node)!.EndPoint, packet.To);
                h.Receive(packet.To, new Ack(ping.SeqNo));
            }

            Assert.Equal(Enumerable.Range(1, 8).Select(i => $"n{i}").Order(), targets.Order());
            rounds.Add(targets);
        }

        // Each round is reshuffled.
        Assert.False(rounds[0].SequenceEqual(rounds[1]) && rounds[1].SequenceEqual(rounds[2]));
    }

    [Fact]
    public void Probes_skip_dead_and_left_nodes()
    {
        var h = new EngineHarness();
        h.AddNodes(4);
        h.Receive(EngineHarness.EndPointOf(2), new Dead(1, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(3), new Dead(1, "n3", "n3"));
        var targets = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var (ping, packet) = h.RunUntilProbe();
            targets.Add(ping.Node);
            h.Receive(packet.To, new Ack(ping.SeqNo));
        }

        Assert.Equal(["n2", "n4"], targets.Order());
    }

    [Fact]
    public void A_probe_pings_with_the_target_name_and_this_nodes_source_fields()
    {
        var h = new EngineHarness();
        h.AddNodes(1);
        var (ping, packet) = h.RunUntilProbe();
        Assert.Equal("n1", ping.Node);
        Assert.Equal(EngineHarness.SelfAddress.GetAddressBytes(), ping.SourceAddr);
        Assert.Equal(7946, ping.SourcePort);
        Assert.Equal(EngineHarness.SelfName, ping.SourceNode);
        Assert.True(packet.Crc, "n1 advertises protocol max 5, so it gets CRC");
        Assert.Equal(1, h.Engine.Counters.ProbesSent);
    }

    [Fact]
    public void An_ack_ends_the_probe_and_lowers_the_health_score()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { DisableTcpPings = true });
        h.AddNodes(1, pmax: 2);

        // First probe fails (no helpers, no nacks expected): +1.
        var (ping, _) = h.RunUntilProbe();
        h.Advance(Second);
        Assert.Equal(1, h.Engine.HealthScore);
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);

        // The next probe is acked: −1.
        var (second, packet) = h.RunUntilProbe();
        Assert.NotEqual(ping.SeqNo, second.SeqNo);
        h.Receive(packet.To, new Ack(second.SeqNo));
        Assert.Equal(0, h.Engine.HealthScore);
        Assert.Equal(1, h.Engine.Counters.ProbeFailures);
    }

    [Fact]
    public void A_missing_ack_brings_indirect_pings_with_nack_by_helper_protocol_and_a_tcp_ping_by_target_protocol()
    {
        var pmax = new Dictionary<string, byte> { ["n1"] = 5, ["n2"] = 3, ["n3"] = 4, ["n4"] = 2 };
        var h = new EngineHarness();
        for (var i = 1; i <= 4; i++)
        {
            h.Receive(EngineHarness.EndPointOf(i), EngineHarness.AliveOf($"n{i}", i, pmax: pmax[$"n{i}"]));
        }

        var seen = new HashSet<string>();
        for (var probe = 0; probe < 4; probe++)
        {
            var (ping, _) = h.RunUntilProbe();
            var sent = h.Now;
            var target = h.Member(ping.Node);
            var before = h.Output.Packets.Count;
            h.Advance(h.Options.ProbeTimeout);

            var indirect = h.Output.Packets.Skip(before).Where(p => p.First is IndirectPing).ToList();
            Assert.Equal(3, indirect.Count);
            foreach (var packet in indirect)
            {
                var request = (IndirectPing)packet.First;
                var helper = h.Engine.Members.Single(m => m.EndPoint.Equals(packet.To));
                Assert.NotEqual(target.Name, helper.Name);
                Assert.Equal(ping.SeqNo, request.SeqNo);
                Assert.Equal(target.Address.GetAddressBytes(), request.Target);
                Assert.Equal(target.Port, request.Port);
                Assert.Equal(target.Name, request.Node);
                Assert.Equal(pmax[helper.Name] >= 4, request.Nack);
                Assert.Equal(EngineHarness.SelfName, request.SourceNode);
            }

            var tcp = h.Output.TcpPings.Where(t => t.Ping.SeqNo == ping.SeqNo).ToList();
            if (pmax[target.Name] >= 3)
            {
                var single = Assert.Single(tcp);
                Assert.Equal(target.EndPoint, single.To);
                Assert.Equal(ping, single.Ping);
                Assert.Equal(sent + h.Options.ProbeInterval, single.Deadline);
            }
            else
            {
                Assert.Empty(tcp);
            }

            // A helper relays the ack: the probe succeeds and the target stays alive.
            h.Receive(indirect[0].To, new Ack(ping.SeqNo));
            Assert.Equal(MemberState.Alive, h.Member(target.Name).State);
            seen.Add(target.Name);
        }

        Assert.Equal(4, seen.Count);
        Assert.Equal(12, h.Engine.Counters.IndirectProbesSent);
        Assert.Equal(3, h.Engine.Counters.TcpPingsSent);
    }

    [Fact]
    public void Tcp_pings_are_not_sent_when_disabled()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { DisableTcpPings = true });
        h.AddNodes(3);
        h.RunUntilProbe();
        h.Advance(h.Options.ProbeInterval);
        Assert.Empty(h.Output.TcpPings);
    }

    [Fact]
    public void A_failed_probe_suspects_the_target_and_adds_one_health_point_per_missing_nack()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { DisableTcpPings = true });
        h.AddNodes(3);
        var (ping, _) = h.RunUntilProbe();
        var incarnation = h.Member(ping.Node).Incarnation;
        var before = h.Output.Packets.Count;
        h.Advance(h.Options.ProbeTimeout);
        var helpers = h.Output.Packets.Skip(before).Where(p => p.First is IndirectPing).ToList();
        Assert.Equal(2, helpers.Count);

        // One of the two expected nacks arrives.
        h.Receive(helpers[0].To, new Nack(ping.SeqNo));
        h.Advance(h.Options.ProbeInterval - h.Options.ProbeTimeout);

        Assert.Equal(1, h.Engine.HealthScore);
        Assert.Equal(MemberState.Suspect, h.Member(ping.Node).State);
        Assert.Equal(1, h.Engine.Counters.ProbeFailures);
        Assert.Equal(1, h.Engine.Counters.NacksReceived);
        Assert.Contains(h.Output.Events, e => e.Kind == MemberEventKind.Suspect && e.Member.Name == ping.Node);

        // The suspicion is gossiped: suspect{its incarnation, it, me}.
        h.Advance(Second);
        Assert.Contains(h.Output.AllMessages(), m => m.Message.Equals(new Suspect(incarnation, ping.Node, EngineHarness.SelfName)));
    }

    [Fact]
    public void A_failed_probe_with_all_nacks_received_leaves_the_health_score_alone()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { DisableTcpPings = true });
        h.AddNodes(3);
        var (ping, _) = h.RunUntilProbe();
        var before = h.Output.Packets.Count;
        h.Advance(h.Options.ProbeTimeout);
        foreach (var helper in h.Output.Packets.Skip(before).Where(p => p.First is IndirectPing))
        {
            h.Receive(helper.To, new Nack(ping.SeqNo));
        }

        h.Advance(h.Options.ProbeInterval);
        Assert.Equal(0, h.Engine.HealthScore);
        Assert.Equal(1, h.Engine.Counters.ProbeFailures);
    }

    [Fact]
    public void Health_score_stretches_the_probe_wait_and_is_capped_at_max_multiplier_minus_one()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { DisableTcpPings = true, AwarenessMaxMultiplier = 3 });
        h.AddNodes(1, pmax: 2);
        for (var i = 0; i < 4; i++)
        {
            var (ping, _) = h.RunUntilProbe(TimeSpan.FromSeconds(30));
            var sent = h.Now;
            var expectedWait = h.Options.ProbeInterval * (h.Engine.HealthScore + 1);
            h.RunUntil(sent + expectedWait - TimeSpan.FromMilliseconds(1));
            Assert.Equal(i, h.Engine.Counters.ProbeFailures);
            h.RunUntil(sent + expectedWait);
            Assert.Equal(i + 1, h.Engine.Counters.ProbeFailures);

            // n1 refutes, so it stays a plain alive probe target.
            h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf(ping.Node, 1, incarnation: (uint)(i + 2), pmax: 2));
        }

        Assert.Equal(2, h.Engine.HealthScore);
    }

    [Fact]
    public void A_tcp_ping_that_succeeds_alone_keeps_the_target_alive()
    {
        var h = new EngineHarness();
        h.AddNodes(1);
        var (ping, _) = h.RunUntilProbe();
        h.Advance(h.Options.ProbeTimeout);
        var tcp = Assert.Single(h.Output.TcpPings);
        h.Engine.TcpPingCompleted(tcp.Ping.SeqNo, ok: true, h.Now);
        h.Advance(h.Options.ProbeInterval);
        Assert.Equal(MemberState.Alive, h.Member(ping.Node).State);
        Assert.Equal(1, h.Engine.Counters.TcpPingOnlySuccesses);
        Assert.Equal(0, h.Engine.Counters.ProbeFailures);
    }

    [Fact]
    public void A_failed_tcp_ping_reported_after_the_deadline_still_concludes_the_probe()
    {
        var h = new EngineHarness();
        h.AddNodes(1);
        var (ping, _) = h.RunUntilProbe();
        var sent = h.Now;
        h.RunUntil(sent + h.Options.ProbeInterval);
        Assert.Equal(MemberState.Alive, h.Member(ping.Node).State);
        h.Engine.TcpPingCompleted(ping.SeqNo, ok: false, h.Now);
        Assert.Equal(MemberState.Suspect, h.Member(ping.Node).State);
    }

    [Fact]
    public void A_suspect_target_gets_a_compound_of_ping_and_suspect_with_crc()
    {
        var h = new EngineHarness();
        h.AddNodes(1);
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "someone"));
        var (ping, packet) = h.RunUntilProbe();
        Assert.Equal("n1", ping.Node);
        Assert.Equal(2, packet.Messages.Count);
        Assert.Equal(new Suspect(1, "n1", EngineHarness.SelfName), packet.Messages[1]);
        Assert.True(packet.Crc);
    }

    [Fact]
    public void Packets_to_nodes_below_protocol_5_carry_no_crc()
    {
        var h = new EngineHarness();
        h.AddNodes(1, pmax: 4);
        var (_, packet) = h.RunUntilProbe();
        Assert.False(packet.Crc);
    }

    [Fact]
    public void Late_acks_after_the_probe_window_do_not_count()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { DisableTcpPings = true });
        h.AddNodes(1);
        var (ping, packet) = h.RunUntilProbe();
        h.Advance(h.Options.ProbeInterval);
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);
        var score = h.Engine.HealthScore;
        h.Receive(packet.To, new Ack(ping.SeqNo));
        Assert.Equal(score, h.Engine.HealthScore);
    }
}
