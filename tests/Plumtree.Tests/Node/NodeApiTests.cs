using System.Net;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Tests.Node;

[Collection(NodeCollection.Name)]
public sealed class NodeApiTests
{
    private static CancellationToken Ct => NodeCluster.Ct;

    [Fact]
    public void Validate_names_every_bad_key_and_the_constructor_refuses_invalid_options()
    {
        var options = new PlumtreeNodeOptions
        {
            NodeName = "",
            BindAddress = "not-an-ip",
            BindPort = 70_000,
            AdvertiseAddress = "0.0.0.0",
            Profile = "fast",
            EncryptionKeys = ["c2hvcnQ="],
            Tags = new Dictionary<string, string> { ["pt"] = "2" },
            Broadcast = new BroadcastOptions { EagerFanout = 0 },
            SubscriberBufferCapacity = 0,
            HealthCacheNearCapacityRatio = 1.5,
            HealthWindow = TimeSpan.Zero,
        };

        var errors = options.Validate();

        foreach (var key in new[] { "NodeName", "BindAddress", "BindPort", "AdvertiseAddress", "Profile", "EncryptionKeys[0]", "Tags.pt", "Broadcast.EagerFanout", "SubscriberBufferCapacity", "HealthCacheNearCapacityRatio", "HealthWindow" })
        {
            Assert.Contains(errors, e => e.StartsWith(key + ":", StringComparison.Ordinal));
        }

        var thrown = Assert.Throws<ArgumentException>(() => new PlumtreeNode(options));
        Assert.Contains("BindAddress", thrown.Message, StringComparison.Ordinal);
        Assert.Empty(NodeCluster.Options("valid", null).Validate());
    }

    [Fact]
    public void Without_explicit_broadcast_options_a_node_spreads_its_prunes_and_explicit_options_are_taken_as_they_are()
    {
        var lan = new PlumtreeNodeOptions().EffectiveBroadcast;
        var wan = new PlumtreeNodeOptions { Profile = "wan" }.EffectiveBroadcast;

        Assert.Equal(PlumtreeNodeOptions.ManySendersPruneDelay, lan.PruneDelay);
        Assert.Equal(PlumtreeNodeOptions.ManySendersPruneDelayWan, wan.PruneDelay);
        Assert.True(wan.PruneDelay > lan.PruneDelay, "WAN round trips need a longer spread");
        Assert.Empty(lan.Validate());
        Assert.Empty(wan.Validate());
        Assert.Equal(TimeSpan.Zero, new PlumtreeNodeOptions { Broadcast = BroadcastOptions.Lan }.EffectiveBroadcast.PruneDelay);
    }

    [Fact]
    public void Without_explicit_broadcast_options_a_node_leaves_the_hop_optimisation_off_and_prunes_after_three_duplicates()
    {
        // Measured with plumtree-bench cluster (docs/configuration.md, "Broadcast defaults of a node"): switched on, even
        // damped, the optimisation's swaps set off graft storms at 32 nodes; off, the tree settles.
        foreach (var profile in new[] { "lan", "local", "wan" })
        {
            var effective = new PlumtreeNodeOptions { Profile = profile }.EffectiveBroadcast;

            Assert.False(effective.Optimization, profile);
            Assert.Equal(PlumtreeNodeOptions.ManySendersOptimizationThreshold, effective.OptimizationThreshold);
            Assert.Equal(PlumtreeNodeOptions.ManySendersPruneAfterDuplicates, effective.PruneAfterDuplicates);
            Assert.Equal(3, effective.PruneAfterDuplicates);
        }

        // Explicit options are taken as they are: the paper's rules.
        var explicitLan = new PlumtreeNodeOptions { Broadcast = BroadcastOptions.Lan }.EffectiveBroadcast;
        Assert.Equal((true, 3, 1), (explicitLan.Optimization, explicitLan.OptimizationThreshold, explicitLan.PruneAfterDuplicates));
    }

    [Fact]
    public async Task A_lone_seed_is_joined_and_healthy_and_broadcasts_to_itself()
    {
        await using var node = new PlumtreeNode(NodeCluster.Options("lone-seed", null));
        Assert.Throws<InvalidOperationException>(() => node.AdvertisedEndPoint);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.BroadcastAsync(new byte[1], Ct).AsTask());

        await node.StartAsync(Ct);
        var received = new List<ReceivedMessage>();
        node.MessageReceived += received.Add;
        var id = await node.BroadcastAsync(new byte[] { 42 }, Ct);

        Assert.True(node.IsJoined);
        Assert.Equal(IPAddress.Loopback, node.AdvertisedEndPoint.Address);
        var health = node.GetHealth();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("Lone seed", health.Checks["peers"].Description, StringComparison.Ordinal);
        var message = Assert.Single(received);
        Assert.Equal((id, 0, (string?)null), (message.Id, message.Hops, message.From));
        Assert.Equal([42], message.Payload.ToArray());
        Assert.Throws<ArgumentException>(() => node.BroadcastAsync(new byte[node.Options.EffectiveBroadcast.MaxMessageSize + 1], Ct).AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task A_handler_that_throws_on_a_poison_message_is_counted_and_the_other_handlers_and_messages_go_on()
    {
        await using var node = new PlumtreeNode(NodeCluster.Options("poison", null));
        var seen = new System.Collections.Concurrent.ConcurrentQueue<byte>();
        node.MessageReceived += m =>
        {
            if (m.Payload.Span[0] == 13)
            {
                throw new InvalidOperationException("poison");
            }
        };
        node.MessageReceived += m => seen.Enqueue(m.Payload.Span[0]);
        await node.StartAsync(Ct);

        foreach (var b in new byte[] { 1, 13, 2 })
        {
            await node.BroadcastAsync(new[] { b }, Ct);
        }

        await NodeCluster.Until(() => seen.Count == 3, "the second handler gets every message, the poison one included");
        Assert.Equal([1, 13, 2], seen.ToArray());
        Assert.Equal(1, node.DroppedByReason()["handler_failed"]);
    }

    [Fact]
    public async Task Message_ids_do_not_repeat_when_a_node_restarts_with_the_same_name_and_the_same_clock()
    {
        // A restart after the clock stepped back: the same name, the same wall time. Ids derived from the name alone
        // would repeat, and the cluster would drop the new messages as duplicates.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        var ids = new List<MessageId>();
        for (var run = 0; run < 2; run++)
        {
            var options = NodeCluster.Options("restarting", null);
            options.RandomSeed = null;
            await using var node = new PlumtreeNode(options, timeProvider: time);
            await node.StartAsync(Ct);
            ids.Add(await node.BroadcastAsync(new byte[] { 1 }, Ct));
        }

        Assert.Equal(ids[0].UnixMilliseconds, ids[1].UnixMilliseconds);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task MemberChanged_reports_a_join_and_a_graceful_leave_of_another_member()
    {
        await using var seed = new PlumtreeNode(NodeCluster.Options("events-seed", null));
        await using var joiner = new PlumtreeNode(NodeCluster.Options("events-joiner", null));
        var seen = new System.Collections.Concurrent.ConcurrentQueue<MemberEvent>();
        seed.MemberChanged += seen.Enqueue;
        await seed.StartAsync(Ct);
        await joiner.StartAsync(Ct);

        await joiner.JoinAsync([seed.AdvertisedEndPoint], Ct);
        await NodeCluster.Until(() => seen.Any(e => e is { Kind: MemberEventKind.Join, Member.Name: "events-joiner" }), () => "a Join for events-joiner: " + string.Join(", ", seen));
        await joiner.LeaveAsync(TimeSpan.FromSeconds(5), Ct);
        await NodeCluster.Until(() => seen.Any(e => e is { Kind: MemberEventKind.Left, Member.Name: "events-joiner" }), () => "a Left for events-joiner: " + string.Join(", ", seen));

        Assert.DoesNotContain(seen, e => e.Member.Name == "events-seed");
    }

    [Fact]
    public async Task Join_through_a_dead_seed_throws_PlumtreeJoinException_with_the_reason()
    {
        await using var node = new PlumtreeNode(NodeCluster.Options("no-seed", null));
        await node.StartAsync(Ct);

        var failure = await Assert.ThrowsAsync<PlumtreeJoinException>(() => node.JoinAsync([Transport.TransportTestKit.DeadEndPoint()], Ct));

        Assert.Single(failure.Errors);
        await Assert.ThrowsAsync<ArgumentException>(() => node.JoinAsync([], Ct));
    }

    [Fact]
    public async Task JoinAsync_and_LeaveAsync_return_with_members_peers_export_and_gauges_already_showing_their_effect()
    {
        await using var cluster = await NodeCluster.StartAsync(3);
        var node = await cluster.AddAsync(NodeCluster.Options($"{cluster.Prefix}-joiner", cluster.Interceptor), join: false);
        using var metrics = new MetricsProbe(node.Name);
        string[] everyone = [.. cluster.Nodes.Select(n => n.Name).Order(StringComparer.Ordinal)];
        var alive = $"{Diagnostics.MetricNames.Members}{{state=alive}}";

        // Several rounds: the join's push/pull finishes on the node's loop while the caller waits on another thread,
        // so a caller released before the loop published its state would, now and then, read the old one.
        for (var round = 0; round < 5; round++)
        {
            await node.JoinAsync([cluster.Nodes[0].AdvertisedEndPoint], Ct);

            // No waiting: what the join brought is visible the moment the call returns.
            Assert.Equal(everyone, node.Members.Where(m => m.State == MemberState.Alive).Select(m => m.Name).Order(StringComparer.Ordinal));
            Assert.NotEmpty(node.EagerPeers.Concat(node.LazyPeers));
            var joined = metrics.Observe();
            Assert.Equal(everyone.Length, joined[alive]);
            Assert.Equal(node.EagerPeers.Count, joined[Diagnostics.MetricNames.EagerPeers]);
            Assert.Equal(node.LazyPeers.Count, joined[Diagnostics.MetricNames.LazyPeers]);
            var export = node.ExportState();
            Assert.Equal(node.EagerPeers, export.EagerPeers);
            Assert.Equal(node.LazyPeers, export.LazyPeers);
            Assert.Equal(everyone.Length, export.Members[MemberState.Alive]);

            await node.LeaveAsync(TimeSpan.FromSeconds(5), Ct);

            Assert.Empty(node.EagerPeers);
            Assert.Empty(node.LazyPeers);
            Assert.Empty(node.ExportState().EagerPeers);
            var left = metrics.Observe();
            Assert.Equal(0, left[Diagnostics.MetricNames.EagerPeers]);
            Assert.Equal(0, left[Diagnostics.MetricNames.LazyPeers]);
            Assert.Equal(HealthStatus.Unhealthy, node.GetHealth().Checks["peers"].Status);
        }
    }

    [Fact]
    public async Task Members_carry_the_pt_zone_and_user_tags_from_node_meta()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o =>
        {
            o.Zone = "zone-a";
            o.Tags = new Dictionary<string, string> { ["role"] = "web" };
        });

        var other = cluster.Nodes[0].Members.Single(m => m.Name == cluster.Nodes[1].Name);

        Assert.True(other.IsPlumtreePeer);
        Assert.Equal("2", other.Tags["pt"]); // the protocol version with the Splice frame
        Assert.Equal("zone-a", other.Tags["zone"]);
        Assert.Equal("web", other.Tags["role"]);
        Assert.Equal(cluster.Nodes[1].AdvertisedEndPoint, other.Address);
        Assert.Equal(MemberState.Alive, other.State);
    }

    [Fact]
    public async Task Dispose_leaves_so_others_list_the_node_as_left_while_a_killed_node_is_found_dead()
    {
        await using var cluster = await NodeCluster.StartAsync(4);
        var leaver = cluster.Nodes[2];
        var victim = cluster.Nodes[3];
        var watcher = cluster.Nodes[0];

        cluster.Stopped.Add(leaver);
        await leaver.DisposeAsync();
        await NodeCluster.Until(
            () => watcher.Members.Any(m => m.Name == leaver.Name && m.State == MemberState.Left),
            () => "the leaver is listed as left (the watcher lists it as "
                  + string.Join(", ", watcher.Members.Where(m => m.Name == leaver.Name).Select(m => $"{m.State} incarnation {m.Incarnation}"))
                  + "; the other live nodes as "
                  + string.Join(", ", cluster.Nodes.Where(n => n != leaver && n != watcher).SelectMany(n => n.Members.Where(m => m.Name == leaver.Name)).Select(m => m.State.ToString()))
                  + ")");

        await cluster.KillAsync(victim);
        await NodeCluster.Until(() => watcher.Members.Any(m => m.Name == victim.Name && m.State == MemberState.Dead), "the killed node is found dead");
        Assert.Equal(HealthStatus.Unhealthy, leaver.GetHealth().Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => leaver.BroadcastAsync(new byte[1], Ct).AsTask());
    }

    [Fact]
    public async Task In_serf_mode_a_leave_sends_a_serf_leave_intent_that_others_witness()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => o.Compatibility = ClusterCompatibility.Serf);
        var watcher = cluster.Nodes[0];
        Assert.Equal(0UL, watcher.SerfClock);

        await cluster.Nodes[1].LeaveAsync(TimeSpan.FromSeconds(5), Ct);

        // The intent carried Lamport time 1; witnessing it moves the watcher's clock past it.
        await NodeCluster.Until(() => watcher.SerfClock == 2, "the watcher witnesses the serf leave intent");
        await NodeCluster.Until(() => watcher.Members.Any(m => m.Name == cluster.Nodes[1].Name && m.State == MemberState.Left), "the leaver is listed as left");
    }

    [Fact]
    public async Task Encrypted_nodes_with_the_same_key_deliver_and_a_node_with_another_key_cannot_join()
    {
        var key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        await using var cluster = await NodeCluster.StartAsync(3, configure: o => o.EncryptionKeys = [key]);
        var id = await cluster.BroadcastAsync(cluster.Nodes[2], 1);
        await cluster.WaitDeliveredAsync([id]);

        var stranger = NodeCluster.Options("stranger", null);
        stranger.EncryptionKeys = [Convert.ToBase64String(new byte[32])];
        await using var node = new PlumtreeNode(stranger);
        await node.StartAsync(Ct);
        await Assert.ThrowsAsync<PlumtreeJoinException>(() => node.JoinAsync([cluster.Nodes[0].AdvertisedEndPoint], Ct));
    }

    [Fact]
    public async Task ReadMessagesAsync_gives_each_reader_every_delivery_and_ends_when_the_node_stops()
    {
        await using var cluster = await NodeCluster.StartAsync(2);
        var node = cluster.Nodes[1];
        var readers = Enumerable.Range(0, 2).Select(_ => node.ReadMessagesAsync(Ct).GetAsyncEnumerator()).ToList();
        var firsts = readers.Select(r => r.MoveNextAsync().AsTask()).ToList();
        var ids = new List<MessageId>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[0], i));
        }

        foreach (var (reader, first) in readers.Zip(firsts))
        {
            Assert.True(await first.WaitAsync(NodeCluster.WaitLimit, Ct));
            var got = new List<MessageId> { reader.Current.Id };
            while (got.Count < 5 && await reader.MoveNextAsync().AsTask().WaitAsync(NodeCluster.WaitLimit, Ct))
            {
                got.Add(reader.Current.Id);
            }

            Assert.Equal(ids, got);
            Assert.Equal(cluster.Nodes[0].Name, reader.Current.From);
        }

        await cluster.KillAsync(node);
        foreach (var reader in readers)
        {
            Assert.False(await reader.MoveNextAsync().AsTask().WaitAsync(NodeCluster.WaitLimit, Ct));
            await reader.DisposeAsync();
        }
    }
}
