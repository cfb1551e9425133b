using System.Collections.Concurrent;
using Plumtree.Diagnostics;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Sync;
using Plumtree.Transport;

namespace Plumtree.Tests.Node;

/// <summary>Anti-entropy on real nodes over loopback: what the tree could not bring arrives once, through partitions, restarts and joins.</summary>
[Collection(NodeCollection.Name)]
public sealed class NodeSyncTests
{
    private static CancellationToken Ct => NodeCluster.Ct;

    /// <summary>Frequent rounds and short timeouts, so a test sees several rounds within its wait limit.</summary>
    private static void FastSync(PlumtreeNodeOptions options) =>
        options.Sync = new SyncOptions { Interval = TimeSpan.FromMilliseconds(500), RoundTimeout = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task After_a_partition_heals_each_side_receives_the_other_sides_messages_exactly_once()
    {
        await using var cluster = await NodeCluster.StartAsync(4, configure: FastSync);
        await cluster.WaitOverlayAsync(minPeers: 2);
        var left = cluster.Nodes.Take(2).ToList();
        var right = cluster.Nodes.Skip(2).ToList();
        using var probe = new MetricsProbe(cluster.Nodes[0].Name);

        // Split, and wait until each side has declared the other dead (the tree is cut, announcements are lost).
        cluster.Faults.Partition(left.Select(n => n.Name), right.Select(n => n.Name));
        await NodeCluster.Until(
            () => left.All(n => right.All(r => n.Members.Any(m => m.Name == r.Name && m.State == MemberState.Dead)))
                  && right.All(n => left.All(l => n.Members.Any(m => m.Name == l.Name && m.State == MemberState.Dead))),
            "each side declares the other dead");

        var leftIds = new List<MessageId> { await cluster.BroadcastAsync(left[0], 1), await cluster.BroadcastAsync(left[1], 2) };
        var rightIds = new List<MessageId> { await cluster.BroadcastAsync(right[0], 3), await cluster.BroadcastAsync(right[1], 4) };
        await cluster.WaitDeliveredAsync(leftIds, left);
        await cluster.WaitDeliveredAsync(rightIds, right);
        Assert.All(right, n => Assert.DoesNotContain(leftIds, cluster.Deliveries[n.Name].ContainsKey));

        // Re-injection leaves messages younger than ReinjectMinAge to the tree: the partition lasts past that age.
        var minAge = NodeCluster.Options("probe", null).EffectiveBroadcast.ReinjectMinAge;
        var newest = leftIds.Concat(rightIds).Max(id => id.UnixMilliseconds);
        await NodeCluster.Until(() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() - newest > minAge.TotalMilliseconds + 100, $"the partition's messages are older than {minAge.TotalSeconds} s");

        cluster.Faults.Heal();
        var all = leftIds.Concat(rightIds).ToList();
        await cluster.WaitDeliveredAsync(all);

        foreach (var node in cluster.Nodes)
        {
            foreach (var id in all)
            {
                Assert.Equal(1, cluster.Deliveries[node.Name][id]);
            }
        }

        // Each message of the other side is recovered by sync at least once per side, then re-injected into the tree
        // (which may bring it to the rest of that side before their own rounds do).
        Assert.True(cluster.Nodes.Sum(n => n.SyncCounters.MessagesRecovered) >= 4, "each side recovered the other side's two messages by sync");
        Assert.True(cluster.Nodes.Sum(n => n.BroadcastCounters.Reinjected) >= 4, "recovered messages were re-injected into the tree");
        var recovering = cluster.Nodes.First(n => n.SyncCounters.MessagesRecovered > 0);
        using var recoveringProbe = new MetricsProbe(recovering.Name);
        Assert.True(recoveringProbe.Value($"{MetricNames.SyncMessagesRecovered}") >= 1);
        Assert.True(recoveringProbe.Value(MetricNames.MessagesPartitioned) >= 1);
        Assert.True(recoveringProbe.Value(MetricNames.SyncRounds) >= 1);
        Assert.True(recoveringProbe.Value($"{MetricNames.SyncBytes}{{direction=sent}}") > 0);
        Assert.True(probe.Value(MetricNames.SyncRounds) >= 1);
    }

    [Fact]
    public async Task A_node_restarted_with_its_store_gets_what_it_missed_and_nothing_twice()
    {
        var store = new InMemoryMessageStore();
        await using var cluster = await NodeCluster.StartAsync(3, configure: FastSync);
        var name = cluster.Prefix + "-restarting";
        var options = NodeCluster.Options(name, cluster.Interceptor);
        FastSync(options);
        options.MessageStore = store;
        var first = await cluster.AddAsync(options, join: true);
        await cluster.WaitConvergedAsync();

        var before = new List<MessageId>();
        for (var i = 0; i < 5; i++)
        {
            before.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 3], i));
        }

        await cluster.WaitDeliveredAsync(before);
        await first.FlushStoreAsync().WaitAsync(NodeCluster.WaitLimit, Ct);
        await cluster.KillAsync(first);
        Assert.Equal(5, store.Count);

        var missed = new List<MessageId>();
        for (var i = 0; i < 5; i++)
        {
            missed.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 3], 100 + i));
        }

        await cluster.WaitDeliveredAsync(missed, cluster.Nodes.Take(3));

        var restartOptions = NodeCluster.Options(name, cluster.Interceptor);
        FastSync(restartOptions);
        restartOptions.MessageStore = store;
        var second = await cluster.AddAsync(restartOptions, join: true);
        Assert.Equal(5, second.SyncStatus.Messages); // loaded from the store at start
        await cluster.WaitDeliveredAsync(missed, [second]);

        // The messages delivered before the restart were not delivered again; the missed ones once.
        var log = cluster.Deliveries[name];
        Assert.All(before, id => Assert.Equal(1, log[id]));
        Assert.All(missed, id => Assert.Equal(1, log[id]));
        await second.FlushStoreAsync().WaitAsync(NodeCluster.WaitLimit, Ct);
        Assert.Equal(10, store.Count);
    }

    [Fact]
    public async Task A_late_joiner_catches_up_its_join_window_and_no_older_history()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: FastSync);
        var history = new List<MessageId> { await cluster.BroadcastAsync(cluster.Nodes[0], 1), await cluster.BroadcastAsync(cluster.Nodes[1], 2) };
        await cluster.WaitDeliveredAsync(history);

        // One joiner keeps the default window (minutes: the history is inside it), one has none.
        var withWindow = NodeCluster.Options(cluster.Prefix + "-window", cluster.Interceptor);
        FastSync(withWindow);
        var withoutWindow = NodeCluster.Options(cluster.Prefix + "-nowindow", cluster.Interceptor);
        withoutWindow.Sync = new SyncOptions { Interval = TimeSpan.FromMilliseconds(500), RoundTimeout = TimeSpan.FromSeconds(2), JoinWindow = TimeSpan.Zero };
        var catchingUp = await cluster.AddAsync(withWindow, join: true);
        var fresh = await cluster.AddAsync(withoutWindow, join: true);

        await cluster.WaitDeliveredAsync(history, [catchingUp]);
        Assert.All(history, id => Assert.True(cluster.Deliveries[catchingUp.Name][id] == 1));

        // The window-less joiner completes rounds and still holds none of the history.
        await NodeCluster.Until(() => fresh.SyncStatus.Peers.Sum(p => p.RoundsOk) >= 2, () => $"{fresh.Name} completes two sync rounds: {string.Join(", ", fresh.SyncStatus.Peers.Select(p => $"{p.Name}={p.LastResult}"))}");
        Assert.DoesNotContain(history, cluster.Deliveries[fresh.Name].ContainsKey);

        // What is broadcast after it joined reaches it.
        var after = await cluster.BroadcastAsync(cluster.Nodes[0], 3);
        await cluster.WaitDeliveredAsync([after], [fresh]);
    }

    [Fact]
    public async Task Sync_now_runs_a_round_with_the_named_peer_and_rejects_an_unknown_one()
    {
        await using var cluster = await NodeCluster.StartAsync(3, configure: o => o.Sync = new SyncOptions { Interval = TimeSpan.FromHours(1) });
        var node = cluster.Nodes[0];
        var peer = cluster.Nodes[2].Name;
        Assert.Null(await node.SyncNowAsync("no-such-member", Ct));
        Assert.Equal(peer, await node.SyncNowAsync(peer, Ct));
        await NodeCluster.Until(() => node.SyncStatus.Peers.Any(p => p.Name == peer && p.LastResult == "ok"), () => $"the round with {peer} completes");
        Assert.Equal(0, node.SyncStatus.Peers.Single(p => p.Name == peer).LastNeed);
    }

    [Fact]
    public async Task Sync_now_during_a_round_with_another_peer_says_so_and_names_it()
    {
        await using var cluster = await NodeCluster.StartAsync(3, configure: o => o.Sync = new SyncOptions { Interval = TimeSpan.FromHours(1), RoundTimeout = TimeSpan.FromMinutes(5) });
        await cluster.WaitOverlayAsync(minPeers: 2);
        var node = cluster.Nodes[0];
        var (busy, other) = (cluster.Nodes[1].Name, cluster.Nodes[2].Name);

        // The busy peer's answers are lost: the round with it stays in progress (until RoundTimeout).
        cluster.Interceptor.DropWhen = (channel, route, _) => channel == TransportChannel.PlumtreeFrame && route.FromNode == busy && route.ToNode == node.Name;
        Assert.Equal(busy, await node.SyncNowAsync(busy, Ct));
        Assert.Equal(busy, node.SyncStatus.ActiveRoundPeer);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => node.SyncNowAsync(other, Ct));
        Assert.Contains($"round with {busy} is in progress", refused.Message, StringComparison.Ordinal);
        Assert.Equal(busy, await node.SyncNowAsync(busy, Ct));
        Assert.Equal(busy, await node.SyncNowAsync(null, Ct));
        Assert.Null(await node.SyncNowAsync("no-such-member", Ct));
    }

    [Fact]
    public async Task The_first_round_between_a_seed_and_its_joiner_completes_even_when_the_answer_comes_before_the_joiner_knows_the_seed()
    {
        // Periodic rounds and the round timeout far away: only the immediate rounds at the join can complete, and a
        // dropped answer would leave the round hanging past the wait limit.
        static void Slow(PlumtreeNodeOptions o) => o.Sync = new SyncOptions { Interval = TimeSpan.FromHours(1), RoundTimeout = TimeSpan.FromMinutes(30) };
        await using var cluster = await NodeCluster.StartAsync(1, configure: Slow);
        var seed = cluster.Nodes[0];
        var options = NodeCluster.Options(cluster.Prefix + "-joiner", cluster.Interceptor);
        Slow(options);
        var joiner = await cluster.AddAsync(options, join: true);

        await NodeCluster.Until(
            () => seed.SyncStatus.Peers.Any(p => p.Name == joiner.Name && p.RoundsOk >= 1) && joiner.SyncStatus.Peers.Any(p => p.Name == seed.Name && p.RoundsOk >= 1),
            () => $"both first rounds complete: seed {string.Join(",", seed.SyncStatus.Peers.Select(p => $"{p.Name}={p.LastResult}"))}, joiner {string.Join(",", joiner.SyncStatus.Peers.Select(p => $"{p.Name}={p.LastResult}"))}, active {seed.SyncStatus.ActiveRoundPeer}/{joiner.SyncStatus.ActiveRoundPeer}");
        Assert.Equal(0, joiner.DroppedByReason().GetValueOrDefault("sync_unknown_peer"));
    }

    [Fact]
    public async Task Verify_finds_corrupt_rows_counts_them_and_rewrites_the_store_from_memory()
    {
        var store = new CorruptibleStore();
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => o.MessageStore = o.NodeName.EndsWith("-n0", StringComparison.Ordinal) ? store : null);
        var node = cluster.Nodes[0];
        using var probe = new MetricsProbe(node.Name);
        var ids = new List<MessageId>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 2], i));
        }

        await cluster.WaitDeliveredAsync(ids);
        await node.FlushStoreAsync().WaitAsync(NodeCluster.WaitLimit, Ct);
        store.CorruptNext = 2;

        var result = await node.VerifyStoreAsync(Ct);
        Assert.Equal(2, result.CorruptRemoved);
        Assert.Equal(4, store.Inner.Count); // rewritten from memory
        Assert.Equal(2, probe.Counted($"{MetricNames.StorageErrors}{{kind=corrupt,store=messages}}"));
        var again = await node.VerifyStoreAsync(Ct);
        Assert.Equal(0, again.CorruptRemoved);
    }

    /// <summary>An in-memory store whose next Verify reports (and removes) a given number of rows as corrupt.</summary>
    private sealed class CorruptibleStore : IMessageStore
    {
        public InMemoryMessageStore Inner { get; } = new();

        public int CorruptNext { get; set; }

        public MessageStoreLoad Load(MessageId from) => Inner.Load(from);

        public void Save(IReadOnlyList<StoredMessage> messages) => Inner.Save(messages);

        public void RemoveBefore(MessageId bound) => Inner.RemoveBefore(bound);

        public void Remove(IReadOnlyList<MessageId> ids) => Inner.Remove(ids);

        public void Clear() => Inner.Clear();

        public void SetJoined(long unixMilliseconds) => Inner.SetJoined(unixMilliseconds);

        public MessageStoreVerification Verify()
        {
            var corrupt = CorruptNext;
            CorruptNext = 0;
            var rows = Inner.Count;
            var victims = Inner.Load(default).Messages.Take(corrupt).Select(m => m.Id).ToArray();
            Inner.Remove(victims);
            return new MessageStoreVerification(rows, rows - victims.Length, victims.Length, Inner.Bytes, corrupt > 0 ? "checksum mismatch" : "ok");
        }

        public void Dispose() => Inner.Dispose();
    }
}
