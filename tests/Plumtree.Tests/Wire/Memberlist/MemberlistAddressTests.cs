using System.Net;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

public sealed class MemberlistAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "7f000001")]
    [InlineData("::ffff:10.1.2.3", "0a010203")]
    [InlineData("2001:db8::1", "20010db8000000000000000000000001")]
    public void Addresses_go_on_the_wire_as_4_bytes_for_ipv4_and_16_for_ipv6(string address, string wireHex)
    {
        Assert.Equal(Convert.FromHexString(wireHex), MemberlistAddress.ToWire(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("7f000001", "127.0.0.1")]
    [InlineData("00000000000000000000ffff0a010203", "10.1.2.3")]
    [InlineData("20010db8000000000000000000000001", "2001:db8::1")]
    public void Four_and_sixteen_byte_addresses_are_read_and_ipv4_mapped_ones_become_ipv4(string wireHex, string address)
    {
        Assert.True(MemberlistAddress.TryFromWire(Convert.FromHexString(wireHex), out var parsed));
        Assert.Equal(IPAddress.Parse(address), parsed);
        Assert.Equal(IPAddress.Parse(address), MemberlistAddress.FromWire(Convert.FromHexString(wireHex)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(17)]
    public void Other_lengths_are_not_addresses(int length)
    {
        Assert.False(MemberlistAddress.TryFromWire(new byte[length], out _));
        Assert.Equal("bad_address", Assert.Throws<WireDecodeException>(() => MemberlistAddress.FromWire(new byte[length])).Reason);
    }

    [Fact]
    public void Normalize_shortens_ipv4_mapped_addresses_only()
    {
        Assert.Equal(new byte[] { 10, 1, 2, 3 }, MemberlistAddress.Normalize(Convert.FromHexString("00000000000000000000ffff0a010203")));
        var v6 = Convert.FromHexString("20010db8000000000000000000000001");
        Assert.Same(v6, MemberlistAddress.Normalize(v6));
        Assert.Null(MemberlistAddress.Normalize(null));
    }

    [Fact]
    public void Protocol_versions_read_and_write_six_bytes_in_order()
    {
        var vsn = new ProtocolVersions(1, 5, 2, 2, 5, 4);
        Assert.Equal(new byte[] { 1, 5, 2, 2, 5, 4 }, vsn.ToArray());
        Assert.Equal(vsn, ProtocolVersions.Read([1, 5, 2, 2, 5, 4, 9]));
        Assert.Equal(vsn, ProtocolVersions.Serf);
        Assert.Equal(new ProtocolVersions(1, 5, 2, 0, 0, 0), ProtocolVersions.PlainMemberlist);
        Assert.Throws<ArgumentException>(() => ProtocolVersions.Read([1, 2, 3]));
    }
}
