using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;

namespace Plumtree.Hosting.Tests;

/// <summary>
/// <c>srv:</c> seeds against a DNS server the test runs on loopback: real nodes find each other through the SRV
/// records (looked up again at every join round), and a name that does not exist fails the round, says so, and is
/// retried until it appears.
/// </summary>
public sealed class SrvDiscoveryTests
{
    private const string Service = "_gossip._tcp.plumtree.test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IHost Node(string name, LoopbackDnsServer dns, params string[] join) => Node(name, dns, TimeSpan.FromSeconds(30), join);

    private static IHost Node(string name, LoopbackDnsServer dns, TimeSpan readyTimeout, params string[] join)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        var settings = new Dictionary<string, string?>
        {
            ["Plumtree:NodeName"] = name,
            ["Plumtree:BindAddress"] = "127.0.0.1",
            ["Plumtree:BindPort"] = "0",
            ["Plumtree:Profile"] = "local",
            ["Plumtree:DnsServer"] = dns.EndPoint.ToString(),
            ["Plumtree:JoinRetryInitialDelay"] = "00:00:00.200",
            ["Plumtree:JoinRetryMaxDelay"] = "00:00:00.200",
            ["Plumtree:KnownPeersJoinLimit"] = "0",
            ["Plumtree:JoinReadyTimeout"] = readyTimeout.ToString(),
        };
        for (var i = 0; i < join.Length; i++)
        {
            settings[$"Plumtree:Join:{i}"] = join[i];
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        builder.Services.AddPlumtree(configuration.GetSection("Plumtree"));
        return builder.Build();
    }

    private static PlumtreeNode NodeOf(IHost host) => host.Services.GetRequiredService<PlumtreeNode>();

    private static int Alive(IHost host) => NodeOf(host).Members.Count(m => m.State == MemberState.Alive);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Nodes_joining_through_an_srv_name_form_one_cluster(bool additionals)
    {
        await using var dns = new LoopbackDnsServer { IncludeAdditionals = additionals };
        using var a = Node("a", dns);
        await a.StartAsync(Ct);
        dns.SetSrv(Service, NodeOf(a).AdvertisedEndPoint);

        using var b = Node("b", dns, "srv:" + Service);
        await b.StartAsync(Ct);
        Assert.Equal(ReadyReason.Joined, await b.Services.GetRequiredService<PlumtreeStartupState>().Ready.WaitAsync(Bound, Ct));
        dns.SetSrv(Service, NodeOf(a).AdvertisedEndPoint, NodeOf(b).AdvertisedEndPoint);

        using var c = Node("c", dns, "dns+srv:" + Service);
        await c.StartAsync(Ct);
        Assert.Equal(ReadyReason.Joined, await c.Services.GetRequiredService<PlumtreeStartupState>().Ready.WaitAsync(Bound, Ct));

        await Eventually.UntilAsync(() => Alive(a) == 3 && Alive(b) == 3 && Alive(c) == 3, Bound, "three alive members everywhere", Ct);
        var joined = c.Services.GetFakeLogCollector().GetSnapshot().Single(r => r.Id.Id == 1003);
        Assert.Contains("2 seed(s) answered", joined.Message, StringComparison.Ordinal);
        Assert.Equal(2, dns.SrvQueriesFor(Service));
        if (!additionals)
        {
            Assert.Contains(dns.Queries, q => q.Name.StartsWith("pod-1.", StringComparison.Ordinal) && q.Type == 1);
        }

        foreach (var host in new[] { c, b, a })
        {
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task A_missing_srv_name_fails_the_round_naming_nxdomain_and_is_looked_up_again_until_it_exists()
    {
        await using var dns = new LoopbackDnsServer();
        using var a = Node("a", dns);
        await a.StartAsync(Ct);

        // Start stops waiting for a seed at once: the node runs alone while the rounds go on.
        using var b = Node("b", dns, TimeSpan.Zero, "srv:" + Service);
        await b.StartAsync(Ct);
        var state = b.Services.GetRequiredService<PlumtreeStartupState>();
        // Two lookups answered NXDOMAIN (JoinAttempts counts a round when it starts, so it alone could let the record
        // appear before the second round's lookup: CI saw only 2 lookups in all).
        await Eventually.UntilAsync(() => state.JoinAttempts >= 2 && state.LastJoinError is not null && dns.SrvQueriesFor(Service) >= 2, Bound, "two failed rounds", Ct);

        Assert.Equal(ReadyReason.JoinTimedOut, await state.Ready);
        Assert.Equal(1, Alive(b));
        Assert.Contains($"srv:{Service}: SRV lookup of {Service} at {dns.EndPoint} failed: NXDOMAIN", state.LastJoinError, StringComparison.Ordinal);
        var failed = b.Services.GetFakeLogCollector().GetSnapshot().First(r => r.Id.Id == 1004);
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains("NXDOMAIN", failed.Message, StringComparison.Ordinal);

        dns.SetSrv(Service, NodeOf(a).AdvertisedEndPoint);
        await Eventually.UntilAsync(() => state.LastJoinError is null, Bound, "a round joined", Ct);
        await Eventually.UntilAsync(() => Alive(a) == 2 && Alive(b) == 2, Bound, "two alive members", Ct);

        await b.StopAsync(Ct);
        await a.StopAsync(Ct);
    }

    [Fact]
    public async Task An_srv_seed_that_lists_only_this_node_makes_it_a_lone_seed()
    {
        await using var dns = new LoopbackDnsServer();
        using var a = Node("a", dns);
        await a.StartAsync(Ct);
        dns.SetSrv(Service, NodeOf(a).AdvertisedEndPoint);

        var seed = SeedAddressOf("srv:" + Service);
        var resolved = await seed.ResolveAsync(dns.EndPoint, Ct);

        Assert.Equal([NodeOf(a).AdvertisedEndPoint], resolved);
        await a.StopAsync(Ct);
    }

    [Fact]
    public async Task A_dns_server_that_does_not_answer_fails_the_lookup_naming_it()
    {
        // A bound socket that never answers.
        using var silent = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var server = (IPEndPoint)silent.Client.LocalEndPoint!;

        var error = await Assert.ThrowsAsync<SeedResolutionException>(() => SeedAddressOf("srv:" + Service).ResolveAsync(server, Ct));

        Assert.Contains($"SRV lookup of {Service} at {server} failed", error.Message, StringComparison.Ordinal);
    }

    private static SeedAddress SeedAddressOf(string text) =>
        SeedAddress.TryParse(text, out var seed, out var error) ? seed : throw new InvalidOperationException(error);
}
