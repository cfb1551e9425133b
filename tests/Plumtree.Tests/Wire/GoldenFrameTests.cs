using System.Buffers;
using System.Text;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

/// <summary>
/// Exact bytes per frame kind. The expected hex is written by hand from the format in
/// docs/wire-format.md (never produced by the encoder), and must equal the copy in
/// testdata/plumtree-frames.json that other implementations read.
/// </summary>
public sealed class GoldenFrameTests
{
    private const int Max = 65536;

    // Created 2023-11-14T22:13:20Z (0x018bcfe56800 ms), then 10 arbitrary bytes.
    private static readonly MessageId IdA = new(0x018bcfe56800a1b2UL, 0xc3d4e5f60718293aUL);
    private static readonly MessageId IdB = new(0x018bcfe568010000UL, 0x0000000000000001UL);

    [Fact]
    public void Gossip_has_the_golden_bytes_and_decodes_to_its_fields()
    {
        //            ver type len       id                               hop  "hello"
        const string hex = "01 01 00000017 018bcfe56800a1b2c3d4e5f60718293a 0001 68656c6c6f";
        var decoded = AssertGolden("gossip", hex, PlumtreeFrame.Gossip(IdA, 1, Encoding.ASCII.GetBytes("hello")));
        Assert.Equal(FrameType.Gossip, decoded.Type);
        Assert.Equal(IdA, decoded.Id);
        Assert.Equal(1, decoded.Hop);
        Assert.Equal("hello", Encoding.ASCII.GetString(decoded.Payload.Span));

        const string empty = "01 01 00000012 018bcfe56801000000000000000000010102";
        decoded = AssertGolden("gossip-empty-payload", empty, PlumtreeFrame.Gossip(IdB, 258, ReadOnlyMemory<byte>.Empty));
        Assert.Equal(IdB, decoded.Id);
        Assert.Equal(258, decoded.Hop);
        Assert.True(decoded.Payload.IsEmpty);

        const string maxHop = "01 01 00000014 018bcfe56800a1b2c3d4e5f60718293a ffff 00ff";
        decoded = AssertGolden("gossip-max-hop", maxHop, PlumtreeFrame.Gossip(IdA, 65535, new byte[] { 0x00, 0xff }));
        Assert.Equal(65535, decoded.Hop);
        Assert.Equal(new byte[] { 0x00, 0xff }, decoded.Payload.ToArray());
    }

    [Fact]
    public void IHave_has_the_golden_bytes_and_decodes_to_its_entries_in_order()
    {
        //                 ver type len      count id                               hop
        const string one = "01 02 00000014 0001 018bcfe56800a1b2c3d4e5f60718293a 0003";
        var decoded = AssertGolden("ihave-one", one, PlumtreeFrame.IHave(new[] { new IHaveEntry(IdA, 3) }));
        Assert.Equal(FrameType.IHave, decoded.Type);
        Assert.Equal([new IHaveEntry(IdA, 3)], decoded.Entries.ToArray());

        const string two = "01 02 00000026 0002 018bcfe56800a1b2c3d4e5f60718293a 0001 018bcfe5680100000000000000000001 ffff";
        decoded = AssertGolden("ihave-two", two, PlumtreeFrame.IHave(new[] { new IHaveEntry(IdA, 1), new IHaveEntry(IdB, 65535) }));
        Assert.Equal([new IHaveEntry(IdA, 1), new IHaveEntry(IdB, 65535)], decoded.Entries.ToArray());
    }

    [Fact]
    public void Graft_has_the_golden_bytes_and_an_all_zero_id_means_link_only()
    {
        const string graft = "01 03 00000012 018bcfe56800a1b2c3d4e5f60718293a 0002";
        var decoded = AssertGolden("graft", graft, PlumtreeFrame.Graft(IdA, 2));
        Assert.Equal(FrameType.Graft, decoded.Type);
        Assert.Equal(IdA, decoded.Id);
        Assert.Equal(2, decoded.Hop);

        const string linkOnly = "01 03 00000012 00000000000000000000000000000000 0000";
        decoded = AssertGolden("graft-link-only", linkOnly, PlumtreeFrame.Graft(MessageId.Empty, 0));
        Assert.True(decoded.Id.IsEmpty);
        Assert.Equal(0, decoded.Hop);
    }

    [Fact]
    public void Prune_is_a_bare_header()
    {
        var decoded = AssertGolden("prune", "01 04 00000000", PlumtreeFrame.Prune());
        Assert.Equal(FrameType.Prune, decoded.Type);
    }

    [Fact]
    public void Neighbor_carries_the_high_priority_flag_in_bit_0()
    {
        var low = AssertGolden("neighbor-low", "01 05 00000001 00", PlumtreeFrame.Neighbor(highPriority: false));
        Assert.Equal(FrameType.Neighbor, low.Type);
        Assert.False(low.Flag);

        var high = AssertGolden("neighbor-high", "01 05 00000001 01", PlumtreeFrame.Neighbor(highPriority: true));
        Assert.True(high.Flag);
    }

    [Fact]
    public void Disconnect_is_a_bare_header()
    {
        var decoded = AssertGolden("disconnect", "01 06 00000000", PlumtreeFrame.Disconnect());
        Assert.Equal(FrameType.Disconnect, decoded.Type);
    }

    [Fact]
    public void Splice_carries_its_kind_and_a_member_name()
    {
        var offer = AssertGolden("splice-offer", "01 07 00000001 01", PlumtreeFrame.Splice(SpliceKind.Offer, (string?)null));
        Assert.Equal((FrameType.Splice, SpliceKind.Offer, 0), (offer.Type, offer.SpliceKind, offer.Payload.Length));

        //                  ver type len      kind name "n1"
        var request = AssertGolden("splice-request", "01 07 00000003 03 6e31", PlumtreeFrame.Splice(SpliceKind.Request, "n1"));
        Assert.Equal((SpliceKind.Request, "n1"), (request.SpliceKind, System.Text.Encoding.UTF8.GetString(request.Payload.Span)));
        var handoff = AssertGolden("splice-handoff", "01 07 00000003 04 6e32", PlumtreeFrame.Splice(SpliceKind.Handoff, "n2"));
        Assert.Equal(SpliceKind.Handoff, handoff.SpliceKind);

        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Splice(SpliceKind.Offer, "n1")));
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Splice(SpliceKind.Introduce, (string?)null)));
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Splice((SpliceKind)9, "n1")));
    }

    [Fact]
    public void Sync_carries_its_body_as_the_payload()
    {
        //                 ver type len      kind round    reason
        const string hex = "01 10 00000006 07 0000002a 01";
        var decoded = AssertGolden("sync-refuse", hex, PlumtreeFrame.Sync(new byte[] { 0x07, 0x00, 0x00, 0x00, 0x2a, 0x01 }));
        Assert.Equal(FrameType.Sync, decoded.Type);
        Assert.Equal(new byte[] { 0x07, 0x00, 0x00, 0x00, 0x2a, 0x01 }, decoded.Payload.ToArray());
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Sync(ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void Keys_carries_its_body_as_the_payload()
    {
        //                 ver type len      kind id                               op origin      key
        const string hex = "01 20 00000017 01 018bcfe56800a1b2c3d4e5f60718293a 00 0002 6e31 00";
        var body = Convert.FromHexString("01018bcfe56800a1b2c3d4e5f60718293a0000026e3100");
        var decoded = AssertGolden("keys-list", hex, PlumtreeFrame.Keys(body));
        Assert.Equal(FrameType.Keys, decoded.Type);
        var command = Assert.IsType<Plumtree.Keys.KeyCommand>(Plumtree.Keys.KeyCommandCodec.Decode(decoded.Payload.Span));
        Assert.Equal((Plumtree.Node.KeyOperation.List, "n1", 0), (command.Operation, command.Origin, command.Key.Length));
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Keys(ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void Tree_carries_the_shared_tree_advert_as_the_payload()
    {
        //                 ver type len      flags stamp echo hold count len "n1" flags distance subtree ecc sum    count mean
        const string hex = "01 08 00000016 00 ac02 05 00 01 02 6e31 01 c9df02 c9df02 00 c9df02 02 00";
        var body = Convert.FromHexString("00ac020500" + "01026e3101c9df02c9df0200c9df020200");
        var decoded = AssertGolden("tree-advert", hex, PlumtreeFrame.Tree(body));
        Assert.Equal(FrameType.Tree, decoded.Type);
        var advert = SharedTreeAdvert.TryDecode(decoded.Payload.Span);
        Assert.NotNull(advert);
        Assert.Equal((false, 300L, 5L, 0L), (advert.WantEcho, advert.Stamp, advert.Echo, advert.Hold));
        Assert.Equal([new SharedTreeRoute("n1", 45_000, 45_000, null, ParentIsYou: true, SubtreeSum: 45_000, SubtreeCount: 1)], advert.Routes);
        Assert.Equal(body, new SharedTreeAdvert { Stamp = 300, Echo = 5, Routes = advert.Routes }.Encode());
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.GetEncodedLength(PlumtreeFrame.Tree(ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void Every_frame_kind_has_a_shared_golden_vector()
    {
        var kinds = GoldenVectors.Valid.Select(v => PlumtreeFrameCodec.Decode(v.Bytes, GoldenVectors.MaxFrameSize).Type).ToHashSet();
        Assert.Equal(Enum.GetValues<FrameType>().ToHashSet(), kinds);
    }

    [Theory]
    [MemberData(nameof(GoldenVectors.ValidNames), MemberType = typeof(GoldenVectors))]
    public void Every_shared_vector_decodes_and_encodes_back_to_the_same_bytes(string name)
    {
        var vector = GoldenVectors.Named(name);
        var bytes = vector.Bytes;
        var frame = PlumtreeFrameCodec.Decode(bytes, GoldenVectors.MaxFrameSize);
        Assert.Equal(vector.Hex, FrameAssert.Hex(FrameAssert.Encode(frame, GoldenVectors.MaxFrameSize)));

        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, GoldenVectors.MaxFrameSize, out var streamed));
        Assert.True(sequence.IsEmpty);
        FrameAssert.Equal(frame, streamed);
    }

    [Theory]
    [MemberData(nameof(GoldenVectors.InvalidNames), MemberType = typeof(GoldenVectors))]
    public void Every_shared_invalid_vector_is_refused_with_its_reason(string name)
    {
        var vector = GoldenVectors.Invalid.Single(v => v.Name == name);
        var bytes = vector.Bytes;
        var error = Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.Decode(bytes, GoldenVectors.MaxFrameSize));
        Assert.Equal("plumtree", error.Layer);
        Assert.Equal(vector.Reason, error.Reason);
        Assert.Equal(vector.FrameLength, error.FrameLength);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));

        // The stream reader, fed the same bytes one byte per segment, agrees: it waits where whole-frame
        // decoding says truncated, reads the frame and leaves the rest where it says trailing bytes, and
        // otherwise refuses with the same reason without consuming anything.
        var cuts = Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray();
        var sequence = SegmentedSequence.Create(bytes, cuts);
        var before = sequence;
        switch (vector.Reason)
        {
            case "truncated":
                Assert.False(PlumtreeFrameCodec.TryReadFrame(ref sequence, GoldenVectors.MaxFrameSize, out _));
                FrameAssert.Unchanged(before, sequence);
                break;
            case "trailing_bytes":
                Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, GoldenVectors.MaxFrameSize, out _));
                Assert.Equal(vector.FrameLength, before.Length - sequence.Length);
                break;
            default:
                var streamError = Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.TryReadFrame(ref sequence, GoldenVectors.MaxFrameSize, out _));
                Assert.Equal(vector.Reason, streamError.Reason);
                Assert.Equal(vector.FrameLength, streamError.FrameLength);
                FrameAssert.Unchanged(before, sequence);
                break;
        }
    }

    /// <summary>
    /// Checks the hand-written hex against the shared JSON copy, against both encoders, and decodes it with
    /// both decoders; returns what <c>Decode</c> produced.
    /// </summary>
    private static PlumtreeFrame AssertGolden(string name, string handWrittenHex, PlumtreeFrame frame)
    {
        var expected = FrameAssert.Hex(handWrittenHex);
        Assert.Equal(FrameAssert.Hex(expected), GoldenVectors.Named(name).Hex);

        Assert.Equal(expected.Length, PlumtreeFrameCodec.GetEncodedLength(frame));
        Assert.Equal(FrameAssert.Hex(expected), FrameAssert.Hex(FrameAssert.Encode(frame, Max)));
        var writer = new ArrayBufferWriter<byte>();
        PlumtreeFrameCodec.Encode(frame, writer, Max);
        Assert.Equal(FrameAssert.Hex(expected), FrameAssert.Hex(writer.WrittenSpan));

        var decoded = PlumtreeFrameCodec.Decode(expected, Max);
        FrameAssert.Equal(frame, decoded, $"{name} via Decode: ");

        var sequence = new ReadOnlySequence<byte>(expected);
        Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, Max, out var streamed));
        Assert.True(sequence.IsEmpty);
        FrameAssert.Equal(frame, streamed, $"{name} via TryReadFrame: ");
        return decoded;
    }
}
