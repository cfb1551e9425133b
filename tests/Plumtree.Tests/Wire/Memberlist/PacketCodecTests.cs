using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

public sealed class PacketCodecTests
{
    private static readonly Keyring Keys = new(MemberlistVectors.Get("key_aes128"));

    [Fact]
    public void An_empty_packet_is_a_typed_error()
    {
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(Array.Empty<byte>())).Reason);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(10)]
    [InlineData(13)]
    [InlineData(244)]
    public void Stream_only_or_outer_types_are_not_valid_inside_a_packet(byte type)
    {
        var error = Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(new byte[] { type, 0x80 }));
        Assert.Equal(("memberlist", "unsupported_type"), (error.Layer, error.Reason));
    }

    [Fact]
    public void An_unknown_type_is_a_typed_error()
    {
        Assert.Equal("unknown_type", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(new byte[] { 14, 0x80 })).Reason);
    }

    [Fact]
    public void A_bad_compound_part_is_reported_and_the_other_parts_are_still_delivered()
    {
        var good = MessageCodec.Encode(new Nack(1));
        var compound = CompoundMessage.BuildOne([good, new byte[] { 0x04, 0xc1 }, Array.Empty<byte>(), good]);
        var decoded = PacketCodec.Decode(compound);
        Assert.Equal(new MemberlistMessage[] { new Nack(1), new Nack(1) }, decoded.Messages);
        Assert.Equal(2, decoded.PartErrors.Count);
        Assert.All(decoded.PartErrors, e => Assert.False(string.IsNullOrEmpty(e.Reason)));
    }

    [Fact]
    public void A_compound_whose_length_table_is_cut_off_is_an_error()
    {
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(new byte[] { 7, 3, 0, 1 })).Reason);
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(new byte[] { 7 })).Reason);
    }

    [Fact]
    public void An_empty_compound_holds_nothing()
    {
        var decoded = PacketCodec.Decode(new byte[] { 7, 0 });
        Assert.Empty(decoded.Messages);
        Assert.Empty(CompoundMessage.Build([]));
    }

    [Fact]
    public void Compound_building_refuses_parts_longer_than_65535_bytes_and_bad_counts()
    {
        Assert.Throws<ArgumentException>(() => CompoundMessage.Build([new byte[65_536]]));
        Assert.Single(CompoundMessage.Build([new byte[65_535]]));
        Assert.Throws<ArgumentException>(() => CompoundMessage.BuildOne([]));
        Assert.Throws<ArgumentException>(() => CompoundMessage.BuildOne(Enumerable.Repeat((ReadOnlyMemory<byte>)new byte[1], 256).ToArray()));
    }

    [Fact]
    public void Exactly_255_parts_make_one_compound_and_256_make_two()
    {
        var part = (ReadOnlyMemory<byte>)MessageCodec.Encode(new Nack(3));
        Assert.Single(CompoundMessage.Build(Enumerable.Repeat(part, 255).ToArray()));
        var two = CompoundMessage.Build(Enumerable.Repeat(part, 256).ToArray());
        Assert.Equal([255, 1], two.Select(c => (int)c[1]));
    }

    [Fact]
    public void Compound_parts_may_themselves_be_compressed_or_compounds()
    {
        var inner = CompoundMessage.BuildOne([MessageCodec.Encode(new Nack(1)), CompressionWrapper.Wrap(MessageCodec.Encode(new Nack(2)))]);
        var outer = CompressionWrapper.Wrap(CompoundMessage.BuildOne([inner, MessageCodec.Encode(new Nack(3))]));
        Assert.Equal(new MemberlistMessage[] { new Nack(1), new Nack(2), new Nack(3) }, PacketCodec.Decode(outer).Messages);
    }

    [Fact]
    public void Wrappers_nested_deeper_than_the_limit_are_refused()
    {
        byte[] message = MessageCodec.Encode(new Nack(1));
        for (var depth = 0; depth < MemberlistLimits.MaxNestingDepth; depth++)
        {
            message = CompressionWrapper.Wrap(message);
        }

        Assert.Equal(new Nack(1), Assert.Single(PacketCodec.Decode(message).Messages));
        var tooDeep = CompressionWrapper.Wrap(message);
        Assert.Equal("too_deep", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(tooDeep)).Reason);
    }

    [Fact]
    public void Nested_decompression_shares_one_output_budget()
    {
        // Each part inflates to 16 MiB + 1; the third would take the packet past 40 MiB.
        var part = CompressionWrapper.Wrap(MessageCodec.Encode(new UserMessage(new byte[16 * 1024 * 1024])));
        var packet = CompoundMessage.BuildOne([part, part, part]);
        var decoded = PacketCodec.Decode(packet);
        Assert.Equal(2, decoded.Messages.Count);
        Assert.Equal("too_large", Assert.Single(decoded.PartErrors).Reason);
    }

    [Fact]
    public void An_unknown_compression_algorithm_is_refused()
    {
        var bytes = MessageCodec.Encode(new Compress(1, GoLzw.Compress(MessageCodec.Encode(new Nack(1)))));
        Assert.Equal("unknown_compression", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(bytes)).Reason);
    }

    [Fact]
    public void A_crc_type_byte_on_a_packet_shorter_than_five_bytes_is_not_treated_as_a_crc()
    {
        Assert.Equal("unsupported_type", Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(new byte[] { 12, 1, 2, 3 })).Reason);
    }

    [Fact]
    public void The_send_path_compresses_only_when_that_is_smaller()
    {
        var big = MessageCodec.Encode(new UserMessage(new byte[2000]));
        var datagram = PacketCodec.EncodeDatagram(big, new PacketEncodeOptions { Compress = true, Crc = true });
        Assert.Equal((byte)MessageType.HasCrc, datagram[0]);
        Assert.Equal((byte)MessageType.Compress, datagram[5]);
        Assert.True(datagram.Length < 200);
        Assert.Equal(new UserMessage(new byte[2000]), Assert.Single(PacketCodec.Decode(datagram).Messages));

        var small = MessageCodec.Encode(new Nack(1));
        Assert.Equal(small, PacketCodec.EncodeDatagram(small, new PacketEncodeOptions { Compress = true }));
    }

    [Fact]
    public void Labels_are_added_checked_and_used_as_encryption_data()
    {
        var message = MessageCodec.Encode(new Nack(5));
        var label = "prod"u8.ToArray();
        var datagram = PacketCodec.EncodeDatagram(message, new PacketEncodeOptions { Label = label, Keyring = Keys, Crc = true });
        Assert.Equal(new byte[] { 0xf4, 4, (byte)'p', (byte)'r', (byte)'o', (byte)'d' }, datagram.AsSpan(0, 6).ToArray());

        var decoded = PacketCodec.DecodeDatagram(datagram, new PacketDecodeOptions { Label = label, Keyring = Keys });
        Assert.Equal(new Nack(5), Assert.Single(decoded.Messages));
        Assert.True(decoded.HadCrc);

        Assert.Equal("label_mismatch", Assert.Throws<WireDecodeException>(() =>
            PacketCodec.DecodeDatagram(datagram, new PacketDecodeOptions { Label = "test"u8.ToArray(), Keyring = Keys })).Reason);
        Assert.Equal("label_mismatch", Assert.Throws<WireDecodeException>(() =>
            PacketCodec.DecodeDatagram(datagram, new PacketDecodeOptions { Keyring = Keys })).Reason);
        Assert.Equal("label_mismatch", Assert.Throws<WireDecodeException>(() =>
            PacketCodec.DecodeDatagram(message, new PacketDecodeOptions { Label = label })).Reason);

        // Skipping the label check still authenticates the label the packet carries.
        var skipping = new PacketDecodeOptions { Label = "test"u8.ToArray(), Keyring = Keys, SkipInboundLabelCheck = true };
        Assert.Equal(new Nack(5), Assert.Single(PacketCodec.DecodeDatagram(datagram, skipping).Messages));
        var relabelled = LabelHeader.Add("evil"u8, datagram.AsSpan(6));
        Assert.Equal(("crypto", "no_key"), Reason(() => PacketCodec.DecodeDatagram(relabelled, skipping)));
    }

    [Fact]
    public void A_label_header_that_is_cut_off_or_empty_is_refused()
    {
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => LabelHeader.Strip(new byte[] { 0xf4 }, out _)).Reason);
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => LabelHeader.Strip(new byte[] { 0xf4, 3, 1 }, out _)).Reason);
        Assert.Equal("bad_label", Assert.Throws<WireDecodeException>(() => LabelHeader.Strip(new byte[] { 0xf4, 0, 1 }, out _)).Reason);
        Assert.Throws<ArgumentException>(() => LabelHeader.Add(new byte[256], [1]));
        Assert.Equal(new byte[] { 1 }, LabelHeader.Add([], [1]));
    }

    [Fact]
    public void With_verification_off_an_undecryptable_packet_is_read_as_plaintext_and_with_it_on_is_refused()
    {
        var plain = MessageCodec.Encode(new Nack(8));
        var lenient = new PacketDecodeOptions { Keyring = Keys, VerifyIncoming = false };
        Assert.Equal(new Nack(8), Assert.Single(PacketCodec.DecodeDatagram(plain, lenient).Messages));
        Assert.Equal("crypto", Assert.Throws<WireDecodeException>(() => PacketCodec.DecodeDatagram(plain, new PacketDecodeOptions { Keyring = Keys })).Layer);
    }

    private static (string Layer, string Reason) Reason(Action action)
    {
        var error = Assert.Throws<WireDecodeException>(action);
        return (error.Layer, error.Reason);
    }
}
