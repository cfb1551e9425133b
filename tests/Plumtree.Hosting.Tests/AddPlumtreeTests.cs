using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plumtree.Hosting;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Node;

namespace Plumtree.Hosting.Tests;

public sealed class AddPlumtreeTests
{
    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Plumtree");

    [Fact]
    public void Node_and_hosting_options_bind_from_the_same_section()
    {
        var services = new ServiceCollection().AddPlumtree(Section(new()
        {
            ["Plumtree:NodeName"] = "n1",
            ["Plumtree:BindPort"] = "7001",
            ["Plumtree:Profile"] = "wan",
            ["Plumtree:Compatibility"] = "serf",
            ["Plumtree:Broadcast:EagerFanout"] = "4",
            ["Plumtree:Join:0"] = "10.0.0.1:7946",
            ["Plumtree:Join:1"] = "10.0.0.2",
            ["Plumtree:LeaveTimeout"] = "00:00:20",
        }));
        using var provider = services.BuildServiceProvider();

        // Configure only: validation of the node options belongs to the node and runs at start.
        var node = new PlumtreeNodeOptions();
        foreach (var configure in provider.GetServices<IConfigureOptions<PlumtreeNodeOptions>>())
        {
            configure.Configure(node);
        }

        Assert.Equal("n1", node.NodeName);
        Assert.Equal(7001, node.BindPort);
        Assert.Equal("wan", node.Profile);
        Assert.Equal(ClusterCompatibility.Serf, node.Compatibility);
        Assert.Equal(4, node.Broadcast!.EagerFanout);

        var hosting = provider.GetRequiredService<IOptions<PlumtreeHostingOptions>>().Value;
        Assert.Equal(["10.0.0.1:7946", "10.0.0.2"], hosting.Join);
        Assert.Equal(TimeSpan.FromSeconds(20), hosting.LeaveTimeout);
    }

    [Fact]
    public void A_bad_seed_fails_options_validation_naming_its_key()
    {
        using var provider = new ServiceCollection()
            .AddPlumtree(Section(new() { ["Plumtree:Join:0"] = "10.0.0.1:7946", ["Plumtree:Join:1"] = "10.0.0.2:notaport" }))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlumtreeHostingOptions>>().Value);
        Assert.Contains("Plumtree:Join:1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registers_the_hosted_service_the_health_check_and_a_time_provider_once_even_when_called_twice()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPlumtree(o => o.NodeName = "x");
        services.AddPlumtree(o => o.NodeName = "x");
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ImplementationType == typeof(PlumtreeHostedService));
        Assert.Single(provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == "plumtree");
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task The_health_check_service_reports_the_nodes_health_under_plumtree()
    {
        var node = new FakeNode { IsJoined = true, Health = new NodeHealth(Plumtree.Node.HealthStatus.Degraded, "no eager peers", new Dictionary<string, Plumtree.Node.HealthCheckResult>()) };
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IPlumtreeNodeHandle>(node);
        services.AddPlumtree(o => o.NodeName = "x");
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<PlumtreeStartupState>().MarkStarted();
        provider.GetRequiredService<PlumtreeStartupState>().MarkReady(ReadyReason.Joined);

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, report.Entries["plumtree"].Status);
        Assert.Equal("no eager peers", report.Entries["plumtree"].Description);
    }

    // Needs the real node (PlumtreeNodeOptions.Validate and the PlumtreeNode constructor).
    [Fact]
    public async Task A_bad_node_option_stops_the_host_at_start_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPlumtree(Section(new() { ["Plumtree:NodeName"] = "n1", ["Plumtree:BindPort"] = "-5" }));
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("BindPort", error.ToString(), StringComparison.Ordinal);
    }

    // Needs the real node.
    [Fact]
    public async Task The_node_is_one_singleton_started_by_the_host_and_left_on_stop()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPlumtree(o =>
        {
            o.NodeName = "solo";
            o.BindAddress = "127.0.0.1";
            o.BindPort = 0;
            o.Profile = "local";
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var node = host.Services.GetRequiredService<PlumtreeNode>();
        Assert.Same(node, host.Services.GetRequiredService<PlumtreeNode>());
        Assert.Equal("solo", node.Name);
        Assert.NotEqual(0, node.AdvertisedEndPoint.Port);
        Assert.Equal(ReadyReason.LoneSeed, await host.Services.GetRequiredService<PlumtreeStartupState>().Ready);
        Assert.Contains(node.Members, m => m.Name == "solo");

        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
