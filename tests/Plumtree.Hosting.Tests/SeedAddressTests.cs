using Plumtree.Hosting;

namespace Plumtree.Hosting.Tests;

public sealed class SeedAddressTests
{
    [Theory]
    [InlineData("10.0.0.1:7000", "10.0.0.1", 7000)]
    [InlineData("10.0.0.1", "10.0.0.1", 7946)]
    [InlineData("seed1.example.com:7946", "seed1.example.com", 7946)]
    [InlineData("seed2.example.com", "seed2.example.com", 7946)]
    [InlineData("[::1]:8000", "::1", 8000)]
    [InlineData("[fe80::1]", "fe80::1", 7946)]
    [InlineData("fe80::1", "fe80::1", 7946)]
    [InlineData(" 10.0.0.2:1 ", "10.0.0.2", 1)]
    public void Parses_hosts_and_ports_with_memberlists_default_port(string text, string host, int port)
    {
        Assert.True(SeedAddress.TryParse(text, out var seed, out var error), error);
        Assert.Equal(host, seed.Host);
        Assert.Equal(port, seed.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.1:0")]
    [InlineData("10.0.0.1:65536")]
    [InlineData("10.0.0.1:abc")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData(":7946")]
    [InlineData("a b:7946")]
    [InlineData("http://x:1")]
    public void Rejects_malformed_seeds_with_a_reason(string text)
    {
        Assert.False(SeedAddress.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("srv:_gossip._tcp.plumtree.default.svc.cluster.local", "_gossip._tcp.plumtree.default.svc.cluster.local")]
    [InlineData("dns+srv:_gossip._tcp.plumtree.test", "_gossip._tcp.plumtree.test")]
    [InlineData("SRV:_gossip._udp.example.com.", "_gossip._udp.example.com")]
    public void Parses_srv_names_with_either_prefix(string text, string name)
    {
        Assert.True(SeedAddress.TryParse(text, out var seed, out var error), error);
        Assert.True(seed.IsSrv);
        Assert.Equal(name, seed.Host);
        Assert.Equal(0, seed.Port);
        Assert.Equal("srv:" + name, seed.ToString());
    }

    [Theory]
    [InlineData("srv:")]
    [InlineData("srv:plumtree.default.svc.cluster.local")]
    [InlineData("srv:_gossip.plumtree")]
    [InlineData("srv:_gossip._tcp.plumtree.test:7946")]
    [InlineData("dns+srv:_gossip._tcp..test")]
    [InlineData("srv:_gossip._tcp.a b.test")]
    public void Rejects_malformed_srv_names_saying_what_is_expected(string text)
    {
        Assert.False(SeedAddress.TryParse(text, out _, out var error));
        Assert.Contains("srv:_service._", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ip_literal_resolves_to_itself_without_dns()
    {
        Assert.True(SeedAddress.TryParse("192.0.2.7:7001", out var seed, out _));
        var endPoints = await seed.ResolveAsync(TestContext.Current.CancellationToken);
        Assert.Equal("192.0.2.7:7001", Assert.Single(endPoints).ToString());
    }
}
