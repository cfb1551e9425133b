using CsCheck;
using Plumtree.Sync;
using Plumtree.Wire;

namespace Plumtree.Tests.Sync;

/// <summary>Sync messages round-trip byte for byte; arbitrary and mutated bytes only ever raise <see cref="WireDecodeException"/>.</summary>
public sealed class SyncMessageCodecTests
{
    private static readonly Gen<(byte[] Bytes, SyncRole Sender)> RealMessages =
        Gen.Select(SyncScenario.Gen, Gen.Int[1, 6], Gen.Int[4, 16], Gen.Int[0, 4], Gen.Bool).Select((scenario, bits, fp, threshold, tiny) =>
        {
            var options = new ReconcilerOptions { BranchBits = bits, FingerprintBytes = fp, IdListThreshold = threshold };
            options = tiny ? options with { PageLimit = options.MinimumPageLimit } : options;
            return SyncRun.Execute(scenario.Initiator, scenario.Responder, options, maxRoundTrips: 2_000);
        }).SelectMany(run => Gen.Int[0, run.Requests.Count + run.Responses.Count - 1].Select(i =>
            i < run.Requests.Count ? (run.Requests[i], SyncRole.Initiator) : (run.Responses[i - run.Requests.Count], SyncRole.Responder)));

    [Fact]
    public void Every_message_of_real_rounds_decodes_and_re_encodes_to_the_same_bytes() =>
        RealMessages.Sample(message =>
        {
            var decoded = SyncMessageCodec.Decode(message.Bytes, message.Sender);
            Assert.Equal(message.Bytes, SyncMessageCodec.Encode(decoded));
        }, iter: 1_000);

    [Fact]
    public void A_message_with_every_entry_kind_round_trips()
    {
        var header = new SyncMessageHeader(4, 8, 0xDEADBEEF, SyncRun.From, SyncRun.From + SyncRun.Span);
        var tree = header.CreateTree();
        var child = tree.Child(tree.Child(tree.Root, 3), 5);
        var inChild = SyncKey.ToId(child.Lo + 12345);
        var entries = new List<SyncEntry>
        {
            SyncEntry.ForFingerprint(2, 3, 0x0102030405060708),
            SyncEntry.ForSplit(2, 4, 0b1000_0000_0000_0101, [1, 2, 3]),
            SyncEntry.ForIdList(child.Depth, child.Index + 0, []),
        };
        var later = tree.Child(tree.Child(tree.Root, 3), 9);
        var ids = new[] { SyncKey.ToId(later.Lo), SyncKey.ToId(later.Hi - 1) };
        entries.Add(SyncEntry.ForIdList(later.Depth, later.Index, ids));
        var last = tree.Child(tree.Root, 7);
        entries.Add(SyncEntry.ForIdListReply(last.Depth, last.Index, 9, [0b1000_0001, 0b1], [SyncKey.ToId(last.Lo + 1)]));
        entries.Add(SyncEntry.ForContinue(1, 9));
        var message = new SyncMessage(header, entries);
        var bytes = SyncMessageCodec.Encode(message);
        var decoded = SyncMessageCodec.Decode(bytes, SyncRole.Responder);
        Assert.Equal(header, decoded.Header);
        Assert.Equal(entries.Count, decoded.Entries.Count);
        Assert.All(entries.Zip(decoded.Entries), pair => Assert.True(pair.First.SameAs(pair.Second), $"{pair.First} != {pair.Second}"));
        Assert.Equal(bytes, SyncMessageCodec.Encode(decoded));
        Assert.NotEqual(inChild, ids[0]);

        var refused = Assert.Throws<WireDecodeException>(() => SyncMessageCodec.Decode(bytes, SyncRole.Initiator));
        Assert.Equal("unknown_entry", refused.Reason);
    }

    [Fact]
    public void Out_of_order_entries_and_ids_outside_their_range_cannot_be_encoded()
    {
        var header = new SyncMessageHeader(4, 8, 1, SyncRun.From, SyncRun.From + SyncRun.Span);
        var tree = header.CreateTree();
        Assert.Throws<ArgumentException>(() => SyncMessageCodec.Encode(new SyncMessage(header, [SyncEntry.ForFingerprint(1, 5, 0), SyncEntry.ForFingerprint(1, 4, 0)])));
        Assert.Throws<ArgumentException>(() => SyncMessageCodec.Encode(new SyncMessage(header, [SyncEntry.ForFingerprint(1, 5, 0), SyncEntry.ForFingerprint(2, 5 * 16 + 15, 0)])));
        var node = tree.Child(tree.Root, 2);
        Assert.Throws<ArgumentException>(() => SyncMessageCodec.Encode(new SyncMessage(header, [SyncEntry.ForIdList(1, 2, [SyncKey.ToId(node.Hi)])])));
        Assert.Throws<ArgumentException>(() => SyncMessageCodec.Encode(new SyncMessage(header, [SyncEntry.ForFingerprint(0, 0, UInt128.One << 64)])));
    }

    [Fact]
    public void Random_bytes_only_raise_wire_decode_exceptions() =>
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Bool, Gen.Bool).Sample((bytes, valid, responder) =>
        {
            if (valid && bytes.Length >= 2)
            {
                bytes[0] = SyncMessageCodec.Version;
                bytes[1] = (byte)((bytes[1] % 6 + 1) << 4 | (bytes[1] >> 4 | 3));
            }

            AssertOnlyDecodeErrors(bytes, responder ? SyncRole.Responder : SyncRole.Initiator);
        }, iter: 100_000);

    [Fact]
    public void Mutated_real_messages_only_raise_wire_decode_exceptions_and_responders_survive_them() =>
        Gen.Select(RealMessages, Gen.Int[0, 1_000], Gen.Byte, Gen.Int[0, 3]).Sample((message, position, value, mutation) =>
        {
            var bytes = message.Bytes.ToArray();
            var at = position % bytes.Length;
            bytes = mutation switch
            {
                0 => bytes.Select((b, i) => i == at ? value : b).ToArray(),
                1 => bytes[..at],
                2 => [.. bytes[..at], value, .. bytes[at..]],
                _ => bytes.Select((b, i) => i == at ? (byte)(b ^ (1 << (value & 7))) : b).ToArray(),
            };
            AssertOnlyDecodeErrors(bytes, message.Sender);
            var responder = new SyncResponder(new SortedSyncItemSet(SyncScenario.Build(0, 200, 10, 10, position).Responder), new ReconcilerOptions());
            try
            {
                var answer = responder.Respond(bytes);
                Assert.InRange(answer.Length, 1, new ReconcilerOptions().PageLimit);
            }
            catch (WireDecodeException)
            {
            }
        }, iter: 20_000);

    private static void AssertOnlyDecodeErrors(byte[] bytes, SyncRole sender)
    {
        try
        {
            var decoded = SyncMessageCodec.Decode(bytes, sender);
            Assert.Equal(bytes, SyncMessageCodec.Encode(decoded));
        }
        catch (WireDecodeException e)
        {
            Assert.Equal(SyncMessageCodec.Layer, e.Layer);
        }
    }
}
