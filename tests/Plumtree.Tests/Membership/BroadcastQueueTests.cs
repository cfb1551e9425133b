using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class BroadcastQueueTests
{
    private static List<byte[]> Take(TransmitLimitedQueue q, int limit = 1400)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        q.Take(2, limit, parts);
        return [.. parts.Select(p => p.ToArray())];
    }

    [Fact]
    public void Each_broadcast_is_sent_RetransmitMult_times_ceil_log10_n_plus_1_then_dropped()
    {
        foreach (var (nodes, limit) in new[] { (4, 4), (10, 8), (100, 12) })
        {
            var finished = 0;
            var q = new TransmitLimitedQueue(4, () => nodes);
            q.Queue("a", [1, 2, 3], () => finished++);
            var sends = 0;
            while (Take(q).Count > 0)
            {
                sends++;
            }

            Assert.Equal(limit, sends);
            Assert.Equal(1, finished);
            Assert.Equal(0, q.Count);
        }
    }

    [Fact]
    public void A_new_broadcast_about_the_same_node_replaces_the_queued_one()
    {
        var finished = new List<string>();
        var q = new TransmitLimitedQueue(4, () => 4);
        q.Queue("x", [1], () => finished.Add("first"));
        q.Queue("y", [2]);
        q.Queue("x", [3], () => finished.Add("second"));
        Assert.Equal(["first"], finished);
        Assert.Equal(2, q.Count);
        var sent = Take(q);
        Assert.Equal(2, sent.Count);
        Assert.DoesNotContain(sent, m => m[0] == 1);
    }

    [Fact]
    public void Selection_prefers_fewest_transmits_then_largest_then_newest()
    {
        var q = new TransmitLimitedQueue(4, () => 100);
        q.Queue(null, [1, 1]);
        q.Queue(null, [2, 2, 2]);
        Take(q); // both sent once
        q.Queue(null, [3]);
        q.Queue(null, [4, 4]);
        q.Queue(null, [5, 5]);

        var order = Take(q).Select(m => m[0]).ToList();
        Assert.Equal([5, 4, 3, 2, 1], order);
    }

    [Fact]
    public void Only_what_fits_is_taken_and_the_largest_fitting_message_is_chosen()
    {
        var q = new TransmitLimitedQueue(4, () => 4);
        q.Queue(null, new byte[600]);
        q.Queue(null, new byte[500]);
        q.Queue(null, new byte[300]);

        // 1000 bytes, 2 per part: 600 + 2, then 300 + 2 (500 no longer fits).
        var sent = Take(q, 1000);
        Assert.Equal([600, 300], sent.Select(m => m.Length));
        Assert.Equal(3, q.Count);
    }

    [Fact]
    public void Pruning_keeps_the_best_placed_broadcasts_and_finishes_the_rest()
    {
        var finished = 0;
        var q = new TransmitLimitedQueue(4, () => 4);
        for (var i = 0; i < 5; i++)
        {
            q.Queue(null, [(byte)i], () => finished++);
        }

        q.Prune(2);
        Assert.Equal(2, q.Count);
        Assert.Equal(3, finished);
        Assert.Equal([4, 3], Take(q).Select(m => m[0]));
    }

    [Fact]
    public void The_engine_retransmits_a_user_broadcast_exactly_the_limit_across_gossip_and_piggybacking()
    {
        foreach (var (others, limit) in new[] { (3, 4), (9, 8) })
        {
            var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
            h.AddNodes(others);
            h.AllRespond();
            h.Advance(TimeSpan.FromSeconds(5));
            h.Engine.QueueUserBroadcast([7, 7, 7]);
            h.Advance(TimeSpan.FromSeconds(10));
            var copies = h.Output.AllMessages().Count(m => m.Message.Equals(new UserMessage([7, 7, 7])));
            Assert.Equal(limit, copies);
        }
    }

    [Fact]
    public void Memberlist_messages_about_a_node_replace_each_other_in_the_engine_queue()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero, GossipNodes = 0 });
        h.AddNodes(3);
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 2));

        // Flush the queue through piggybacking on acks.
        var before = h.Output.Packets.Count;
        for (var i = 0; i < 20; i++)
        {
            h.Receive(EngineHarness.EndPointOf(2), new Ping((uint)i, ""));
        }

        var about = h.Output.Packets.Skip(before).SelectMany(p => p.Messages)
            .Where(m => m is Suspect { Node: "n1" } or Alive { Node: "n1" }).Distinct().ToList();
        Assert.Equal([EngineHarness.AliveOf("n1", 1, incarnation: 2)], about);
    }

    [Fact]
    public void Acks_piggyback_queued_broadcasts_up_to_the_udp_buffer_size_memberlist_first()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero, GossipNodes = 0 });
        for (var i = 0; i < 4; i++)
        {
            h.Engine.QueueUserBroadcast(Enumerable.Repeat((byte)i, 500).ToArray());
        }

        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1));
        h.Receive(EngineHarness.EndPointOf(1), new Ping(5, "", SourceAddr: [10, 0, 1, 1], SourcePort: 7946, SourceNode: "n1"));
        var packet = h.Output.Packets[^1];
        Assert.Equal(new Ack(5), packet.First);
        Assert.IsType<Alive>(packet.Messages[1]);
        Assert.IsType<Alive>(packet.Messages[2]);
        // Two alives take ~125 bytes; two 500-byte user messages fit in the rest, a third does not.
        var users = packet.Messages.OfType<UserMessage>().ToList();
        Assert.Equal(2, users.Count);
        Assert.Equal(5, packet.Messages.Count);
        var size = packet.Messages.Sum(m => MessageCodec.Encode(m).Length + 2) + 2;
        Assert.True(size <= 1400, $"packet of {size} bytes");
    }
}
