using CsCheck;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Tests.Wire.Memberlist;

public sealed class SerfTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("68656c6c6f", "hello")]
    public void Meta_without_the_magic_byte_is_the_legacy_role_tag(string metaHex, string role)
    {
        Assert.Equal(new Dictionary<string, string> { ["role"] = role }, SerfTags.Decode(Convert.FromHexString(metaHex)));
    }

    [Fact]
    public void Tags_encode_in_ordinal_key_order_and_decode_in_any_order()
    {
        var tags = new Dictionary<string, string> { ["zone"] = "b", ["pt"] = "1", ["role"] = "web" };
        var meta = SerfTags.Encode(tags);
        Assert.Equal(Convert.FromHexString("ff83a27074a131a4726f6c65a3776562a47a6f6e65a162"), meta);
        Assert.Equal(tags, SerfTags.Decode(Convert.FromHexString("ff83a47a6f6e65a162a27074a131a4726f6c65a3776562")));
        Assert.Empty(SerfTags.Decode(new byte[] { 0xff, 0xc0 }));
        Assert.Equal(new byte[] { 0xff, 0x80 }, SerfTags.Encode(new Dictionary<string, string>()));
    }

    [Fact]
    public void Tag_meta_over_512_bytes_is_refused_on_encode()
    {
        var fits = new Dictionary<string, string> { ["k"] = new string('v', 512 - 7) };
        Assert.Equal(512, SerfTags.Encode(fits).Length);
        var tooBig = new Dictionary<string, string> { ["k"] = new string('v', 512 - 6) };
        Assert.Throws<ArgumentException>(() => SerfTags.Encode(tooBig));
    }

    [Theory]
    [InlineData("ff")] // nothing after the magic byte
    [InlineData("ff92a161a162")] // an array, not a map
    [InlineData("ff81a161c40162")] // bin value
    [InlineData("ff82a161a162")] // map cut short
    public void Malformed_tag_meta_is_a_typed_error(string hex)
    {
        Assert.Equal("msgpack", Assert.Throws<WireDecodeException>(() => SerfTags.Decode(Convert.FromHexString(hex))).Layer);
    }

    [Fact]
    public void Tags_round_trip()
    {
        Gen.Dictionary(MemberlistGen.Text, MemberlistGen.Text)[0, 8].Sample(tags =>
        {
            byte[] meta;
            try
            {
                meta = SerfTags.Encode(tags);
            }
            catch (ArgumentException)
            {
                return; // over 512 bytes
            }

            Assert.Equal(tags, SerfTags.Decode(meta));
        }, iter: 2_000);
    }

    [Fact]
    public void Serf_messages_round_trip()
    {
        var leave = Gen.Select(Gen.ULong, MemberlistGen.Text, Gen.Bool).Select((t, n, p) => (SerfMessage)new SerfLeaveIntent(t, n, p));
        var join = Gen.Select(Gen.ULong, MemberlistGen.Text).Select((t, n) => (SerfMessage)new SerfJoinIntent(t, n));
        var userEvent = Gen.Select(Gen.ULong, MemberlistGen.Text, MemberlistGen.OptionalBytes, Gen.Bool).Select((t, n, p, cc) => (SerfMessage)new SerfUserEvent(t, n, p, cc));
        Gen.OneOf(leave, join, userEvent).Sample(message =>
        {
            var bytes = SerfCodec.Encode(message);
            Assert.Equal((byte)message.Type, bytes[0]);
            var decoded = SerfCodec.Decode(bytes);
            Assert.Equal(message, decoded);
            Assert.Equal(bytes, SerfCodec.Encode(decoded));
        }, iter: 2_000);
    }

    [Fact]
    public void A_serf_leave_intent_travels_as_a_memberlist_user_message()
    {
        var packet = MessageCodec.Encode(new UserMessage(SerfCodec.Encode(new SerfLeaveIntent(6, "a", false))));
        var user = Assert.IsType<UserMessage>(Assert.Single(PacketCodec.Decode(packet).Messages));
        Assert.Equal(MemberlistVectors.Get("serf_leave_intent"), user.Payload);
    }

    [Theory]
    [InlineData("")]
    [InlineData("02")]
    [InlineData("0480")]
    [InlineData("0980")]
    public void Other_serf_types_are_typed_errors(string hex)
    {
        Assert.Equal("memberlist", Assert.Throws<WireDecodeException>(() => SerfCodec.Decode(Convert.FromHexString(hex))).Layer);
    }

    [Fact]
    public void Large_lamport_times_use_uint64()
    {
        var bytes = SerfCodec.Encode(new SerfJoinIntent(ulong.MaxValue, "a"));
        Assert.Contains("a54c54696d65cfffffffffffffffff", Convert.ToHexStringLower(bytes), StringComparison.Ordinal);
        Assert.Equal(new SerfJoinIntent(ulong.MaxValue, "a"), SerfCodec.Decode(bytes));
    }
}
