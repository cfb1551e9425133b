using System.Buffers;
using System.Net.Sockets;
using Plumtree.Broadcast;
using Plumtree.Keys;
using Plumtree.Node;
using Plumtree.Wire;

namespace Plumtree.Tests.Node;

[Collection(NodeCollection.Name)]
public sealed class NodeKeyRotationTests
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => NodeCluster.Ct;

    private static string Key(byte seed) => Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i + seed)).ToArray());

    private static string Describe(KeyringReport report) =>
        $"{report.Operation}: answered {report.NodesAnswered}/{report.NodesAsked}, not answered [{string.Join(" ", report.NotAnswered)}], errors [{string.Join("; ", report.Nodes.Where(n => n.Error is not null).Select(n => $"{n.Node}: {n.Error}"))}]";

    /// <summary>Runs a key command and prints how long its report took (every live member answered).</summary>
    private static async Task<KeyringReport> Timed(Func<Task<KeyringReport>> command)
    {
        var start = TimeProvider.System.GetTimestamp();
        var report = await command();
        TestContext.Current.TestOutputHelper?.WriteLine($"{report.Operation}: {report.NodesAnswered}/{report.NodesAsked} answered in {TimeProvider.System.GetElapsedTime(start).TotalMilliseconds:0} ms");
        return report;
    }

    [Fact]
    public async Task Keys_rotate_cluster_wide_without_a_restart_and_broadcasts_reach_every_node_after_each_step()
    {
        var oldKey = Key(1);
        var newKey = Key(100);
        await using var cluster = await NodeCluster.StartAsync(4, configure: o => o.EncryptionKeys = [oldKey]);
        await cluster.WaitOverlayAsync(2);
        var origin = cluster.Nodes[1];
        var sent = 0;
        async Task EveryBroadcastReachesEveryNode()
        {
            var ids = new List<MessageId>();
            foreach (var from in cluster.Live.ToList())
            {
                ids.Add(await cluster.BroadcastAsync(from, sent++));
            }

            await cluster.WaitDeliveredAsync(ids);
        }

        await EveryBroadcastReachesEveryNode();

        var listed = await origin.ListKeysAsync(AnswerTimeout, Ct);
        Assert.True(listed.Succeeded, Describe(listed));
        Assert.Equal(4, listed.NodesAnswered);
        var only = Assert.Single(listed.Keys);
        Assert.Equal((oldKey, 4, 4), (only.Key, only.Nodes, only.PrimaryOn.Count));

        // 1. install the new key everywhere: every node holds both, the old one still encrypts
        var installed = await Timed(() => origin.InstallKeyAsync(newKey, AnswerTimeout, Ct));
        Assert.True(installed.Succeeded, Describe(installed));
        Assert.Equal(4, installed.NodesAnswered);
        Assert.Equal(4, installed.Keys.Single(k => k.Key == newKey).Nodes);
        Assert.Empty(installed.Keys.Single(k => k.Key == newKey).PrimaryOn);
        Assert.All(cluster.Nodes, n => Assert.Equal([oldKey, newKey], n.LocalKeys));
        await EveryBroadcastReachesEveryNode();

        // installing again is a no-op everywhere
        var again = await cluster.Nodes[3].InstallKeyAsync(newKey, AnswerTimeout, Ct);
        Assert.True(again.Succeeded, Describe(again));
        Assert.All(cluster.Nodes, n => Assert.Equal([oldKey, newKey], n.LocalKeys));

        // 2. use it: it is the primary everywhere, in both transports
        var used = await Timed(() => origin.UseKeyAsync(newKey, AnswerTimeout, Ct));
        Assert.True(used.Succeeded, Describe(used));
        Assert.Equal(4, used.Keys.Single(k => k.Key == newKey).PrimaryOn.Count);
        Assert.All(cluster.Nodes, n => Assert.Equal([newKey, oldKey], n.LocalKeys));
        Assert.All(cluster.Nodes, n => Assert.Equal(newKey, Convert.ToBase64String(n.MemberlistTransport!.Keyring!.PrimaryKey)));
        Assert.All(cluster.Nodes, n => Assert.Equal(newKey, Convert.ToBase64String(n.StreamTransport!.Keyring!.PrimaryKey)));
        await EveryBroadcastReachesEveryNode();

        // the primary key cannot be removed: every node refuses and keeps its keys
        var refused = await origin.RemoveKeyAsync(newKey, AnswerTimeout, Ct);
        Assert.False(refused.Succeeded);
        Assert.Equal(4, refused.NodesFailed);
        Assert.All(refused.Nodes, n => Assert.Contains("cannot remove the primary key", n.Error, StringComparison.Ordinal));
        Assert.All(cluster.Nodes, n => Assert.Equal([newKey, oldKey], n.LocalKeys));

        // 3. remove the old key: only the new one is left, and the cluster still works
        var removed = await Timed(() => origin.RemoveKeyAsync(oldKey, AnswerTimeout, Ct));
        Assert.True(removed.Succeeded, Describe(removed));
        var left = Assert.Single(removed.Keys);
        Assert.Equal((newKey, 4, 4), (left.Key, left.Nodes, left.PrimaryOn.Count));
        Assert.All(cluster.Nodes, n => Assert.Equal([newKey], n.LocalKeys));
        Assert.All(cluster.Nodes, n => Assert.Single(n.MemberlistTransport!.Keyring!.Keys));
        await EveryBroadcastReachesEveryNode();

        // a node configured with only the new key joins and receives
        var newcomer = NodeCluster.Options($"{cluster.Prefix}-n4", cluster.Interceptor);
        newcomer.EncryptionKeys = [newKey];
        await cluster.AddAsync(newcomer, join: true);
        await cluster.WaitConvergedAsync("the newcomer with the new key is in");
        await EveryBroadcastReachesEveryNode();

        // a node with only the old key can no longer join
        var stale = NodeCluster.Options($"{cluster.Prefix}-stale", null);
        stale.EncryptionKeys = [oldKey];
        await using var staleNode = new PlumtreeNode(stale);
        await staleNode.StartAsync(Ct);
        await Assert.ThrowsAsync<PlumtreeJoinException>(() => staleNode.JoinAsync([cluster.Nodes[0].AdvertisedEndPoint], Ct));
    }

    [Fact]
    public async Task Use_of_a_key_not_installed_fails_on_every_node_and_changes_nothing()
    {
        var key = Key(7);
        await using var cluster = await NodeCluster.StartAsync(3, configure: o => o.EncryptionKeys = [key]);
        await cluster.WaitOverlayAsync(2);

        var report = await cluster.Nodes[0].UseKeyAsync(Key(8), AnswerTimeout, Ct);

        Assert.False(report.Succeeded);
        Assert.Equal(3, report.NodesAnswered);
        Assert.All(report.Nodes, n => Assert.Contains("not installed", n.Error, StringComparison.Ordinal));
        Assert.All(cluster.Nodes, n => Assert.Equal([key], n.LocalKeys));
    }

    [Fact]
    public async Task Key_commands_are_refused_on_a_node_without_encryption()
    {
        await using var cluster = await NodeCluster.StartAsync(1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Nodes[0].ListKeysAsync(AnswerTimeout, Ct));
        Assert.Contains("encryption is not enabled", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Nodes[0].InstallKeyAsync(Key(3), AnswerTimeout, Ct));
        Assert.Empty(cluster.Nodes[0].LocalKeys);
    }

    [Fact]
    public async Task The_keyring_file_keeps_rotated_keys_across_a_restart_and_takes_precedence_over_the_configured_keys()
    {
        var directory = Directory.CreateTempSubdirectory("plumtree-keyring-");
        try
        {
            var path = Path.Combine(directory.FullName, "keyring.json");
            var oldKey = Key(20);
            var newKey = Key(40);
            PlumtreeNodeOptions Options()
            {
                var options = NodeCluster.Options("keyring-node", null);
                options.EncryptionKeys = [oldKey];
                options.KeyringFile = path;
                return options;
            }

            await using (var node = new PlumtreeNode(Options()))
            {
                await node.StartAsync(Ct);
                Assert.False(File.Exists(path)); // nothing changed yet: the configured keys rule
                Assert.True((await node.InstallKeyAsync(newKey, AnswerTimeout, Ct)).Succeeded);
                Assert.True((await node.UseKeyAsync(newKey, AnswerTimeout, Ct)).Succeeded);
                Assert.True((await node.RemoveKeyAsync(oldKey, AnswerTimeout, Ct)).Succeeded);
            }

            Assert.Equal($"[{newKey}]", File.ReadAllText(path).Replace("\"", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            await using var restarted = new PlumtreeNode(Options());
            await restarted.StartAsync(Ct);
            Assert.Equal([newKey], restarted.LocalKeys);
            Assert.Equal(newKey, Convert.ToBase64String(restarted.MemberlistTransport!.Keyring!.PrimaryKey));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_key_command_on_a_plaintext_stream_is_dropped_even_where_plaintext_streams_are_accepted()
    {
        var key = Key(50);
        var intruderKey = Convert.FromBase64String(Key(60));
        await using var cluster = await NodeCluster.StartAsync(2, configure: o =>
        {
            o.EncryptionKeys = [key];
            o.ConfigureMembership = m => NodeCluster.FastMembership(m) with { GossipVerifyIncoming = false }; // a transition: plaintext accepted
        });
        var node = cluster.Nodes[0];
        var member = cluster.Nodes[1].Name; // the intruder claims a member's name, so the stream is admitted
        var writer = new ArrayBufferWriter<byte>();
        PlumtreeFrameCodec.Encode(PlumtreeFrame.Keys(KeyCommandCodec.Encode(new KeyCommand(new MessageId(1, 1), KeyOperation.Install, member, intruderKey))), writer, 1 << 20);
        var frame = writer.WrittenSpan.ToArray();

        // The intruder's stream names a live member, so it takes that member's slot, and the member's own next stream
        // takes it back ("replaced"): a frame not read by then is lost with its stream. The cluster is settled first,
        // preamble and frame go in one write, and a lost attempt is tried again (at most 5, each waiting up to 5 s).
        await cluster.WaitOverlayAsync(minPeers: 1);
        var sealKey = Convert.FromBase64String(key);
        Assert.True(await SendUntilAsync(PlumtreeStreamProtocol.BuildPreamble(member, [], sealKey: null), frame, () => node.StreamTransport!.Counters.Dropped["keys_not_sealed"] >= 1), "the plaintext Keys frame is dropped");
        Assert.Equal([key], node.LocalKeys);

        // The same frame on a sealed stream (a holder of the key) is applied: the refusal above was for the plaintext.
        Assert.True(await SendUntilAsync(PlumtreeStreamProtocol.BuildPreamble(member, [], sealKey), PlumtreeStreamProtocol.Seal(sealKey, frame, 1), () => node.LocalKeys.Count == 2), "the sealed Keys frame is applied");

        async Task<bool> SendUntilAsync(byte[] preamble, byte[] body, Func<bool> done)
        {
            for (var attempt = 0; attempt < 5 && !done(); attempt++)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(node.AdvertisedEndPoint, Ct);
                await client.GetStream().WriteAsync(preamble.Concat(body).ToArray(), Ct);
                var start = TimeProvider.System.GetTimestamp();
                while (!done() && TimeProvider.System.GetElapsedTime(start) < TimeSpan.FromSeconds(5))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
                }
            }

            return done();
        }

        Assert.Equal([key, Convert.ToBase64String(intruderKey)], node.LocalKeys);
    }
}
