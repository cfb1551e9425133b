using Plumtree.Keys;
using Plumtree.Node;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Keys;

public sealed class KeyCommandTests
{
    private static byte[] K(byte seed) => [.. Enumerable.Range(0, 16).Select(i => (byte)(i + seed))];

    private static string B(byte[] key) => Convert.ToBase64String(key);

    [Fact]
    public void Rules_follow_serf_install_is_idempotent_use_needs_the_key_and_the_primary_cannot_be_removed()
    {
        var keyring = new Keyring(K(1));

        var installed = KeyringRules.Apply(keyring, KeyOperation.Install, K(2));
        Assert.True(installed.Changed);
        Assert.Null(installed.Error);
        Assert.Equal([B(K(1)), B(K(2))], installed.Keyring!.Keys.Select(B));

        var twice = KeyringRules.Apply(installed.Keyring, KeyOperation.Install, K(2));
        Assert.False(twice.Changed);
        Assert.Null(twice.Error);

        var unknown = KeyringRules.Apply(installed.Keyring, KeyOperation.Use, K(3));
        Assert.Contains("not installed", unknown.Error, StringComparison.Ordinal);
        Assert.Same(installed.Keyring, unknown.Keyring);

        var used = KeyringRules.Apply(installed.Keyring, KeyOperation.Use, K(2));
        Assert.True(used.Changed);
        Assert.Equal(B(K(2)), B(used.Keyring!.PrimaryKey));

        var primary = KeyringRules.Apply(used.Keyring, KeyOperation.Remove, K(2));
        Assert.Contains("cannot remove the primary key", primary.Error, StringComparison.Ordinal);
        Assert.False(primary.Changed);

        var removed = KeyringRules.Apply(used.Keyring, KeyOperation.Remove, K(1));
        Assert.Equal([B(K(2))], removed.Keyring!.Keys.Select(B));
        Assert.False(KeyringRules.Apply(removed.Keyring, KeyOperation.Remove, K(9)).Changed); // not installed: a no-op

        var listed = KeyringRules.Apply(removed.Keyring, KeyOperation.List, []);
        Assert.Null(listed.Error);
        Assert.False(listed.Changed);
    }

    [Fact]
    public void Rules_refuse_every_command_without_a_keyring_and_keys_of_a_wrong_size()
    {
        foreach (var operation in Enum.GetValues<KeyOperation>())
        {
            var result = KeyringRules.Apply(null, operation, K(1));
            Assert.Equal(KeyringRules.EncryptionNotEnabled, result.Error);
            Assert.Null(result.Keyring);
        }

        Assert.Contains("16, 24 or 32 bytes", KeyringRules.Apply(new Keyring(K(1)), KeyOperation.Install, new byte[10]).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_and_answers_round_trip_and_malformed_bodies_are_refused()
    {
        var id = new MessageId(1, 2);
        var command = new KeyCommand(id, KeyOperation.Use, "origin-ü", K(5));
        var decoded = Assert.IsType<KeyCommand>(KeyCommandCodec.Decode(KeyCommandCodec.Encode(command)));
        Assert.Equal((id, KeyOperation.Use, "origin-ü", B(K(5))), (decoded.Id, decoded.Operation, decoded.Origin, B(decoded.Key)));

        var list = Assert.IsType<KeyCommand>(KeyCommandCodec.Decode(KeyCommandCodec.Encode(new KeyCommand(id, KeyOperation.List, "o", []))));
        Assert.Empty(list.Key);

        var answer = new KeyAnswer(id, KeyOperation.Remove, "n1", "cannot remove the primary key", [K(1), K(2)]);
        var back = Assert.IsType<KeyAnswer>(KeyCommandCodec.Decode(KeyCommandCodec.Encode(answer)));
        Assert.Equal(("n1", "cannot remove the primary key"), (back.Node, back.Error));
        Assert.Equal([B(K(1)), B(K(2))], back.Keys.Select(B));
        var ok = Assert.IsType<KeyAnswer>(KeyCommandCodec.Decode(KeyCommandCodec.Encode(answer with { Error = null, Keys = [] })));
        Assert.Null(ok.Error);
        Assert.Empty(ok.Keys);

        var good = KeyCommandCodec.Encode(command);
        byte[][] bad =
        [
            [],
            [9, .. good[1..]], // unknown kind
            good[..^1], // truncated key
            [.. good, 0], // trailing byte
            KeyCommandCodec.Encode(command with { Key = new byte[24] })[..^8], // key length says 24, holds 16
        ];
        foreach (var body in bad)
        {
            Assert.Throws<WireDecodeException>(() => KeyCommandCodec.Decode(body));
        }

        var badOperation = (byte[])good.Clone();
        badOperation[1 + MessageId.Size] = 9;
        Assert.Throws<WireDecodeException>(() => KeyCommandCodec.Decode(badOperation));
    }

    [Fact]
    public void A_round_completes_when_every_expected_node_answered_and_reports_holders_primaries_errors_and_the_silent()
    {
        var command = new KeyCommand(new MessageId(7, 7), KeyOperation.Install, "a", K(2));
        var round = new KeyRound(command, ["a", "b", "c", "d"]);

        Assert.True(round.Add(new KeyAnswer(command.Id, KeyOperation.Install, "a", null, [K(1), K(2)])));
        Assert.True(round.Add(new KeyAnswer(command.Id, KeyOperation.Install, "b", null, [K(2), K(1)])));
        Assert.False(round.Add(new KeyAnswer(command.Id, KeyOperation.Install, "b", null, [K(2)]))); // answered already
        Assert.False(round.Add(new KeyAnswer(new MessageId(8, 8), KeyOperation.Install, "c", null, [K(1)]))); // another round
        Assert.True(round.Add(new KeyAnswer(command.Id, KeyOperation.Install, "c", "disk full", [K(1)])));
        Assert.False(round.Completed.IsCompleted);

        var report = round.Report();
        Assert.Equal(4, report.NodesAsked);
        Assert.Equal(3, report.NodesAnswered);
        Assert.Equal(["d"], report.NotAnswered);
        Assert.Equal(2, report.NodesFailed); // c's error and d's silence
        Assert.False(report.Succeeded);
        Assert.Equal(B(K(2)), report.Key);
        var k1 = report.Keys.Single(k => k.Key == B(K(1)));
        var k2 = report.Keys.Single(k => k.Key == B(K(2)));
        Assert.Equal(3, k1.Nodes);
        Assert.Equal(["a", "c"], k1.PrimaryOn);
        Assert.Equal(2, k2.Nodes);
        Assert.Equal(["b"], k2.PrimaryOn);
        Assert.Equal(B(K(1)), report.Keys[0].Key); // most held first
        Assert.Equal("disk full", report.Nodes.Single(n => n.Node == "c").Error);

        // a node that was not expected (joined meanwhile) counts as asked; the round completes with the last expected one
        Assert.True(round.Add(new KeyAnswer(command.Id, KeyOperation.Install, "e", null, [K(1), K(2)])));
        Assert.True(round.Add(new KeyAnswer(command.Id, KeyOperation.Install, "d", null, [K(1), K(2)])));
        Assert.True(round.Completed.IsCompleted);
        var full = round.Report();
        Assert.Equal((5, 5, 1), (full.NodesAsked, full.NodesAnswered, full.NodesFailed));
        Assert.Empty(full.NotAnswered);
    }

    [Fact]
    public void The_relay_passes_a_command_on_once_to_every_peer_but_its_sender_and_forgets_old_ids()
    {
        var relay = new KeyCommandRelay();
        Assert.True(relay.FirstSeen(new MessageId(1, 1)));
        Assert.False(relay.FirstSeen(new MessageId(1, 1)));
        for (ulong i = 2; i < KeyCommandRelay.Capacity + 2; i++)
        {
            Assert.True(relay.FirstSeen(new MessageId(1, i)));
        }

        Assert.True(relay.FirstSeen(new MessageId(1, 1))); // evicted: bounded memory

        Assert.Equal(["b", "d"], KeyCommandRelay.Targets(["a", "b", "c", "b", "d"], self: "a", from: "c"));
    }

    [Fact]
    public void The_keyring_file_round_trips_with_mode_0600_and_refuses_bad_content()
    {
        var directory = Directory.CreateTempSubdirectory("plumtree-keyringfile-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub", "keyring.json");
            Assert.Null(KeyringFile.Load(path));
            KeyringFile.Save(path, new Keyring(K(3), [K(4)]));
            Assert.Equal([B(K(3)), B(K(4))], KeyringFile.Load(path)!.Keys.Select(B));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            foreach (var content in new[] { "{}", "[]", "[\"c2hvcnQ=\"]", "[1]", "not json" })
            {
                File.WriteAllText(path, content);
                Assert.Throws<InvalidDataException>(() => KeyringFile.Load(path));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
