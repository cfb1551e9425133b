using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>
/// Decoding is as lenient as Go's go-msgpack (checked against go-msgpack 0.5.5): any key order, unknown keys,
/// nil for zero values, str8/bin/int arrays for byte fields, any integer width that fits; bin for a string is an error.
/// </summary>
public sealed class LeniencyTests
{
    private static readonly Alive Expected = new(1, "a", [127, 0, 0, 1], 7946, null, new ProtocolVersions(1, 5, 2, 0, 0, 0));

    [Fact]
    public void Keys_in_any_order_decode_the_same()
    {
        // Vsn, Port, Node, Meta, Incarnation, Addr: reverse of Go's order.
        var bytes = Hex("04 86 a3 56736e a6 010502000000 a4 506f7274 cd 1f0a a4 4e6f6465 a1 61 a4 4d657461 c0 ab 496e6361726e6174696f6e 01 a4 41646472 a4 7f000001");
        Assert.Equal(Expected, Decode(bytes));
    }

    [Fact]
    public void Unknown_keys_are_skipped_whatever_their_value()
    {
        // Extra keys holding a nested map, an array, a float, a bin and an ext, before and after known keys.
        var bytes = Hex("04 8b a1 58 82 a1 61 91 01 a1 62 c0 a4 41646472 a4 7f000001 a1 59 93 01 a1 78 cb 3ff0000000000000"
            + " ab 496e6361726e6174696f6e 01 a1 5a c4 02 0102 a4 4d657461 c0 a2 5a5a d6 01 00000000 a4 4e6f6465 a1 61"
            + " a4 506f7274 cd 1f0a a3 56736e a6 010502000000 a5 6e6f646531 a1 62");
        Assert.Equal(Expected, Decode(bytes));
    }

    [Fact]
    public void Key_names_are_case_sensitive()
    {
        // "node" is not "Node": it is skipped and Node stays empty.
        var bytes = Hex("04 81 a4 6e6f6465 a1 61");
        Assert.Equal("", ((Alive)Decode(bytes)).Node);
    }

    [Fact]
    public void Missing_keys_leave_zero_values()
    {
        var alive = (Alive)Decode(Hex("04 81 a4 4e6f6465 a1 61"));
        Assert.Equal(new Alive(0, "a", null, 0, null, null), alive);
        Assert.Equal(new Ping(0, ""), Decode(Hex("00 80")));
    }

    [Fact]
    public void Nil_decodes_as_the_zero_value_for_every_field_and_for_the_whole_struct()
    {
        var bytes = Hex("04 86 a4 41646472 c0 ab 496e6361726e6174696f6e c0 a4 4d657461 c0 a4 4e6f6465 c0 a4 506f7274 c0 a3 56736e c0");
        Assert.Equal(new Alive(0, "", null, 0, null, null), Decode(bytes));
        Assert.Equal(new Alive(0, "", null, 0, null, null), Decode(Hex("04 c0")));
    }

    [Fact]
    public void Byte_fields_accept_bin_and_str8_and_str16()
    {
        var bin = Hex("04 82 a4 41646472 c4 04 7f000001 a4 4d657461 c5 0003 010203");
        var decoded = (Alive)Decode(bin);
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, decoded.Addr);
        Assert.Equal(new byte[] { 1, 2, 3 }, decoded.Meta);

        var str8 = Hex("04 82 a4 41646472 d9 04 7f000001 a4 4d657461 da 0003 010203");
        Assert.Equal(decoded, Decode(str8));
    }

    [Fact]
    public void Byte_fields_accept_an_array_of_small_integers_and_refuse_bigger_ones()
    {
        var decoded = (Alive)Decode(Hex("04 81 a4 41646472 94 7f 00 cc00 d001"));
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, decoded.Addr);

        var error = Assert.Throws<WireDecodeException>(() => Decode(Hex("04 81 a4 41646472 92 01 cd012c")));
        Assert.Equal("overflow", error.Reason);
    }

    [Theory]
    [InlineData("04 81 a4 41646472 dd 7fffffff 01")] // array of 2^31-1 ints
    [InlineData("04 81 a4 41646472 dd ffffffff 01")] // array of 2^32-1 ints
    [InlineData("04 81 a4 41646472 db 7fffffff 01")] // str32 of 2 GiB
    [InlineData("04 81 a4 41646472 c6 ffffffff 01")] // bin32 of 4 GiB
    [InlineData("04 81 a1 58 df 7fffffff 01")] // unknown key holding a huge map
    [InlineData("04 df 7fffffff a1 58 01")] // struct declaring 2^31-1 keys
    public void Huge_declared_lengths_fail_typed_without_allocating_them(string hex)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("msgpack", Assert.Throws<WireDecodeException>(() => Decode(Hex(hex))).Layer);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void Deeply_nested_unknown_values_are_skipped_without_recursion()
    {
        var nested = new List<byte> { 0x04, 0x82, 0xa1, 0x58 };
        nested.AddRange(Enumerable.Repeat((byte)0x91, 200_000));
        nested.Add(0x01);
        nested.AddRange(Hex("a4 4e6f6465 a1 61"));
        Assert.Equal("a", ((Alive)Decode([.. nested])).Node);
    }

    [Fact]
    public void Vsn_is_accepted_as_an_int_array_as_bin_or_as_str8()
    {
        var expected = new ProtocolVersions(1, 5, 2, 2, 5, 4);
        Assert.Equal(expected, ((Alive)Decode(Hex("04 81 a3 56736e 96 01 05 02 cc02 d005 cd0004"))).Vsn);
        Assert.Equal(expected, ((Alive)Decode(Hex("04 81 a3 56736e c4 06 010502020504"))).Vsn);
        Assert.Equal(expected, ((Alive)Decode(Hex("04 81 a3 56736e d9 06 010502020504"))).Vsn);
    }

    [Fact]
    public void Vsn_absent_or_empty_is_null_and_a_short_vsn_is_refused()
    {
        Assert.Null(((Alive)Decode(Hex("04 81 a3 56736e a0"))).Vsn);
        Assert.Null(((Alive)Decode(Hex("04 81 a3 56736e 90"))).Vsn);
        Assert.Equal("bad_vsn", Assert.Throws<WireDecodeException>(() => Decode(Hex("04 81 a3 56736e a3 010502"))).Reason);
    }

    [Theory]
    [InlineData("07")] // positive fixint
    [InlineData("cc07")] // uint8
    [InlineData("cd0007")] // uint16
    [InlineData("ce00000007")] // uint32
    [InlineData("cf0000000000000007")] // uint64
    [InlineData("d007")] // int8
    [InlineData("d10007")] // int16
    [InlineData("d200000007")] // int32
    [InlineData("d30000000000000007")] // int64
    public void Integers_of_any_width_that_fit_are_accepted(string seqNo)
    {
        Assert.Equal(new Ack(7, null), Decode(Hex("02 81 a5 5365714e6f " + seqNo)));
    }

    [Theory]
    [InlineData("cf0000000100000000", "overflow")] // 2^32 does not fit a uint32
    [InlineData("ff", "overflow")] // -1 into an unsigned field
    [InlineData("d0ff", "overflow")]
    [InlineData("ca3f800000", "type_mismatch")] // float
    [InlineData("a131", "type_mismatch")] // string
    public void Integers_that_do_not_fit_or_are_not_integers_are_errors(string seqNo, string reason)
    {
        var error = Assert.Throws<WireDecodeException>(() => Decode(Hex("02 81 a5 5365714e6f " + seqNo)));
        Assert.Equal("msgpack", error.Layer);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void A_port_above_65535_is_an_error()
    {
        Assert.Equal("overflow", Assert.Throws<WireDecodeException>(() => Decode(Hex("04 81 a4 506f7274 ce00011170"))).Reason);
    }

    [Fact]
    public void String_fields_accept_str8_and_str16()
    {
        Assert.Equal(new Ping(1, "b"), Decode(Hex("00 82 a4 4e6f6465 d9 01 62 a5 5365714e6f 01")));
        Assert.Equal(new Ping(1, "b"), Decode(Hex("00 82 a4 4e6f6465 da 0001 62 a5 5365714e6f 01")));
    }

    [Fact]
    public void A_bin_encoded_value_for_a_string_field_is_an_error()
    {
        var error = Assert.Throws<WireDecodeException>(() => Decode(Hex("00 82 a4 4e6f6465 c4 01 62 a5 5365714e6f 01")));
        Assert.Equal("msgpack", error.Layer);
        Assert.Equal("type_mismatch", error.Reason);
    }

    [Fact]
    public void Bools_accept_fixint_zero_and_one_like_go_msgpack_and_refuse_other_values()
    {
        Assert.True(((IndirectPing)Decode(Hex("01 81 a4 4e61636b 01"))).Nack);
        Assert.False(((IndirectPing)Decode(Hex("01 81 a4 4e61636b 00"))).Nack);
        Assert.Equal("type_mismatch", Assert.Throws<WireDecodeException>(() => Decode(Hex("01 81 a4 4e61636b 02"))).Reason);
    }

    [Fact]
    public void A_struct_sent_as_an_array_or_a_scalar_is_an_error()
    {
        Assert.Equal("type_mismatch", Assert.Throws<WireDecodeException>(() => Decode(Hex("02 92 07 c0"))).Reason);
        Assert.Equal("type_mismatch", Assert.Throws<WireDecodeException>(() => Decode(Hex("02 07"))).Reason);
    }

    [Fact]
    public void A_non_string_map_key_is_an_error()
    {
        Assert.Equal("type_mismatch", Assert.Throws<WireDecodeException>(() => Decode(Hex("02 81 c4 05 5365714e6f 07"))).Reason);
    }

    [Fact]
    public void Trailing_bytes_after_a_packet_message_body_are_ignored_as_in_go()
    {
        Assert.Equal(new Nack(9), Decode(Hex("0b 81 a5 5365714e6f 09 ffff")));
    }

    [Fact]
    public void Negative_push_pull_counts_are_refused()
    {
        var header = Hex("06 83 a4 4a6f696e c2 a5 4e6f646573 ff ac 5573657253746174654c656e 00");
        var error = Assert.Throws<WireDecodeException>(() => StreamMessageReader.ReadComplete(header, new StreamReaderOptions()));
        Assert.Equal("overflow", error.Reason);
    }

    [Fact]
    public void Encoding_never_uses_str8_or_bin_even_for_lengths_that_would_allow_it()
    {
        var name = new string('n', 40);
        var bytes = MessageCodec.Encode(new Alive(1, name, new byte[200], 1, new byte[40], null));
        var text = Convert.ToHexStringLower(bytes);
        Assert.Contains("a44e6f6465da0028" + Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(name)), text, StringComparison.Ordinal);
        Assert.Contains("a441646472da00c8", text, StringComparison.Ordinal);
        Assert.Contains("a44d657461da0028", text, StringComparison.Ordinal);
        Assert.StartsWith("0082a44e6f6465da00c8", Convert.ToHexStringLower(MessageCodec.Encode(new Ping(1, new string('x', 200)))), StringComparison.Ordinal);
    }

    [Fact]
    public void Large_byte_fields_use_str32()
    {
        var bytes = MessageCodec.Encode(new UserMessage(new byte[70_000]), MemberlistChannel.Stream);
        Assert.Equal(new UserMessage(new byte[70_000]), StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions()));
        var ack = MessageCodec.Encode(new Ack(1, new byte[70_000]));
        Assert.Equal(Hex("02 82 a7 5061796c6f6164 db 00011170"), ack.AsSpan(0, 15).ToArray());
    }

    [Fact]
    public void Nil_and_empty_byte_fields_encode_differently()
    {
        Assert.Equal(Hex("02 82 a7 5061796c6f6164 c0 a5 5365714e6f 07"), MessageCodec.Encode(new Ack(7, null)));
        Assert.Equal(Hex("02 82 a7 5061796c6f6164 a0 a5 5365714e6f 07"), MessageCodec.Encode(new Ack(7, [])));
        Assert.Equal(new Ack(7, []), Decode(Hex("02 82 a7 5061796c6f6164 a0 a5 5365714e6f 07")));
        Assert.NotEqual(new Ack(7, []), new Ack(7, null));
    }

    [Fact]
    public void Omitempty_source_fields_are_left_out_when_empty_and_empty_source_addr_is_normalised()
    {
        Assert.Equal(Hex("00 82 a4 4e6f6465 a1 62 a5 5365714e6f 01"), MessageCodec.Encode(new Ping(1, "b", [], 0, "")));
        Assert.Null(new Ping(1, "b", []).SourceAddr);
        Assert.Null((new Ping(1, "b") with { SourceAddr = [] }).SourceAddr);
        Assert.Equal(Hex("00 83 a4 4e6f6465 a1 62 a5 5365714e6f 01 aa 536f75726365506f7274 01"), MessageCodec.Encode(new Ping(1, "b", null, 1)));
    }

    [Fact]
    public void Negative_node_state_values_encode_in_signed_forms()
    {
        var state = new PushNodeState("a", null, 0, null, 0, (NodeStateKind)(-1), null);
        var bytes = MessageCodec.Encode(new PushPull(false, [state], []), MemberlistChannel.Stream);
        Assert.Contains("a5537461746" + "5ff", Convert.ToHexStringLower(bytes), StringComparison.Ordinal);
        Assert.Equal(state, Assert.Single(((PushPull)StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions())).Nodes));
    }

    private static MemberlistMessage Decode(byte[] packet) => Assert.Single(PacketCodec.Decode(packet).Messages);

    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));
}
