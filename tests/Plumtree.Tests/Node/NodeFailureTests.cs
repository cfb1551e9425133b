using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Transport;

namespace Plumtree.Tests.Node;

[Collection(NodeCollection.Name)]
public sealed class NodeFailureTests
{
    [Fact]
    public async Task A_node_killed_mid_stream_is_repaired_around_and_every_live_node_gets_every_message()
    {
        await using var cluster = await NodeCluster.StartAsync(6);
        await cluster.WaitOverlayAsync(minPeers: 3);
        var victim = cluster.Nodes[3];
        var senders = cluster.Nodes.Where(n => n != victim).ToList();
        var random = new Random(7);
        var ids = new List<MessageId>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await cluster.BroadcastAsync(senders[random.Next(senders.Count)], i));
        }

        // Killed with messages in flight: its sockets close, nobody is told.
        await cluster.KillAsync(victim);
        for (var i = 100; i < 300; i++)
        {
            ids.Add(await cluster.BroadcastAsync(senders[random.Next(senders.Count)], i));
        }

        await cluster.WaitDeliveredAsync(ids, senders);
        await NodeCluster.Until(
            () => senders.All(n => !n.Members.Any(m => m.Name == victim.Name && m.State is MemberState.Alive or MemberState.Suspect)
                                   && !n.EagerPeers.Concat(n.LazyPeers).Contains(victim.Name)),
            "every survivor has declared the victim dead (or forgotten it) and dropped it as a peer");

        // The tree repairs by grafting; the cycles the repairs made are pruned (PruneDelay: some 50–100 ms after
        // their duplicates are counted). One message at a time it settles: five in a row over n - 1 links each.
        var next = 300;
        for (var settled = 0; settled < 5; next++)
        {
            Assert.True(next < 2300, "the tree settles within 2,000 messages");
            var sentBefore = cluster.Sum(c => c.GossipSent, senders);
            await cluster.WaitDeliveredAsync([await cluster.BroadcastAsync(senders[random.Next(senders.Count)], next)], senders);
            settled = cluster.Sum(c => c.GossipSent, senders) - sentBefore == senders.Count - 1 ? settled + 1 : 0;
        }

        // Then it carries each message over n - 1 links.
        var gossipBefore = cluster.Sum(c => c.GossipSent, senders);
        for (var i = next; i < next + 20; i++)
        {
            await cluster.WaitDeliveredAsync([await cluster.BroadcastAsync(senders[random.Next(senders.Count)], i)], senders);
        }

        var perBroadcast = (cluster.Sum(c => c.GossipSent, senders) - gossipBefore) / 20.0;
        Assert.All(senders, n => Assert.All(cluster.Deliveries[n.Name].Values, count => Assert.Equal(1, count)));
        Assert.True(EagerLinksConnect(senders), "the eager links span every survivor again: " + string.Join(", ", senders.Select(n => $"{n.Name} eager=[{string.Join(" ", n.EagerPeers)}]")));
        Assert.InRange(perBroadcast, senders.Count - 1, 1.05 * (senders.Count - 1));
    }

    /// <summary>True when the eager links (either direction) connect every node of <paramref name="nodes"/>.</summary>
    private static bool EagerLinksConnect(IReadOnlyList<Plumtree.Node.PlumtreeNode> nodes)
    {
        var edges = nodes.SelectMany(n => n.EagerPeers.Select(p => (n.Name, p))).ToList();
        var reached = new HashSet<string>(StringComparer.Ordinal) { nodes[0].Name };
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var (a, b) in edges)
            {
                if (reached.Contains(a) != reached.Contains(b))
                {
                    reached.Add(a);
                    reached.Add(b);
                    grown = true;
                }
            }
        }

        return nodes.All(n => reached.Contains(n.Name));
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.20)]
    public async Task Every_message_is_delivered_everywhere_despite_frame_and_datagram_loss(double loss)
    {
        // Every node peers with every other (degree 9 for 10 nodes), so a lost Gossip is announced by many lazy peers.
        // Prunes at once (PruneDelay 0): the tree settles within the first messages, so lost Gossip has to be grafted
        // rather than being made up for by a cycle not yet pruned.
        var broadcast = new Plumtree.Node.PlumtreeNodeOptions().EffectiveBroadcast with { EagerFanout = 3, LazyFanout = 6, PruneDelay = TimeSpan.Zero };
        await using var cluster = await NodeCluster.StartAsync(10, broadcast, fastMembership: false, faultSeed: (int)(loss * 100));
        await cluster.WaitOverlayAsync(minPeers: 9);
        var probes = cluster.Nodes.Select(n => new MetricsProbe(n.Name)).ToList();
        cluster.Faults.LossProbability = loss;
        var random = new Random(11);
        var ids = new List<MessageId>();

        // Which frames the loss hits depends on timing: a lost frame may be an IHave, or a Gossip on a link of a cycle
        // not yet pruned. Broadcast in batches (at most 300 messages) until some lost Gossip had to be grafted.
        while (ids.Count < 300 && (ids.Count < 60 || cluster.Sum(c => c.GraftSent) == 0))
        {
            var batch = new List<MessageId>();
            for (var i = 0; i < 20; i++)
            {
                batch.Add(await cluster.BroadcastAsync(cluster.Nodes[random.Next(cluster.Nodes.Count)], ids.Count + i));
            }

            await cluster.WaitDeliveredAsync(batch);
            ids.AddRange(batch);
        }

        Assert.True(cluster.Faults.Dropped > 0, "the injector dropped something");
        Assert.All(cluster.Nodes, n => Assert.All(cluster.Deliveries[n.Name].Values, count => Assert.Equal(1, count)));

        // Lost Gossip was repaired by grafts, and their latency was recorded.
        var repaired = probes.Sum(p => p.HistogramCount(Plumtree.Diagnostics.MetricNames.GraftLatency));
        probes.ForEach(p => p.Dispose());
        Assert.True(cluster.Sum(c => c.GraftSent) > 0, $"no graft in {ids.Count} messages");
        Assert.True(repaired > 0, "plumtree_graft_latency_seconds recorded the repairs");
    }

    [Fact]
    public async Task Every_message_is_delivered_everywhere_with_added_delay_and_jitter()
    {
        await using var cluster = await NodeCluster.StartAsync(6, fastMembership: false);
        await cluster.WaitOverlayAsync(minPeers: 3);
        cluster.Faults.Delay = TimeSpan.FromMilliseconds(20);
        cluster.Faults.DelayJitter = TimeSpan.FromMilliseconds(30);
        var random = new Random(13);
        var ids = new List<MessageId>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[random.Next(cluster.Nodes.Count)], i));
        }

        await cluster.WaitDeliveredAsync(ids);

        Assert.True(cluster.Faults.Delayed > 0, "the injector delayed something");
        Assert.All(cluster.Nodes, n => Assert.All(cluster.Deliveries[n.Name].Values, count => Assert.Equal(1, count)));
    }

    [Fact]
    public async Task A_partition_delivers_within_each_side_and_after_it_heals_the_tree_reaches_everyone_again()
    {
        await using var cluster = await NodeCluster.StartAsync(6);
        await cluster.WaitOverlayAsync(minPeers: 3);
        var sideA = cluster.Nodes.Take(3).ToList();
        var sideB = cluster.Nodes.Skip(3).ToList();
        var before = new List<MessageId>();
        for (var i = 0; i < 30; i++)
        {
            before.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 6], i));
        }

        await cluster.WaitDeliveredAsync(before);

        cluster.Faults.Partition(sideA.Select(n => n.Name), sideB.Select(n => n.Name));
        var onA = new List<MessageId>();
        var onB = new List<MessageId>();
        for (var i = 0; i < 30; i++)
        {
            onA.Add(await cluster.BroadcastAsync(sideA[i % 3], 100 + i));
            onB.Add(await cluster.BroadcastAsync(sideB[i % 3], 200 + i));
        }

        await cluster.WaitDeliveredAsync(onA, sideA);
        await cluster.WaitDeliveredAsync(onB, sideB);

        // Long enough for each side to declare the other dead: the overlay splits.
        await NodeCluster.Until(
            () => sideA.All(a => sideB.All(b => a.Members.Any(m => m.Name == b.Name && m.State == MemberState.Dead))),
            "side A declares side B dead");
        Assert.All(sideA, a => Assert.DoesNotContain(a.EagerPeers.Concat(a.LazyPeers), p => sideB.Any(b => b.Name == p)));

        cluster.Faults.Heal();
        await cluster.WaitConvergedAsync("the healed cluster merges back (reconnect to failed members)");
        await cluster.WaitOverlayAsync(minPeers: 3);
        var after = new List<MessageId>();
        for (var i = 0; i < 30; i++)
        {
            after.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 6], 300 + i));
        }

        await cluster.WaitDeliveredAsync(after);
        Assert.All(cluster.Nodes, n => Assert.All(cluster.Deliveries[n.Name].Values, count => Assert.Equal(1, count)));
        Assert.True(cluster.Faults.Partitioned > 0);
    }
}
