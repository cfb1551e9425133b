using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Hosting;
using Plumtree.Hosting;
using Plumtree.Hosting.Tests.Support;
using Plumtree.Node;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Support;

/// <summary>
/// The real agent composition (<see cref="AgentHost"/>) over a <see cref="FakeNode"/>, served in memory (TestServer)
/// or on a loopback port (Kestrel). The node options validator is left out: these tests are about the agent's
/// surface, and <see cref="PlumtreeNodeOptions.Validate"/> belongs to the node (tested with it).
/// </summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private readonly TempDir _dir;

    private TestAgent(WebApplication app, IPlumtreeNodeHandle node, TempDir dir)
    {
        App = app;
        Node = node;
        _dir = dir;
    }

    public WebApplication App { get; }

    public IPlumtreeNodeHandle Node { get; }

    public HttpClient Client => App.GetTestClient();

    public static async Task<TestAgent> StartAsync(IPlumtreeNodeHandle? node = null, Dictionary<string, string?>? settings = null, bool kestrel = false)
    {
        node ??= new FakeNode();
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Plumtree:NodeName"] = node.Name,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Plumtree:LeaveTimeout"] = "00:00:02",
        };
        foreach (var (k, v) in settings ?? [])
        {
            overrides[k] = v;
        }

        var dir = new TempDir();
        var empty = dir.File("empty.json", "{}");
        if (kestrel)
        {
            overrides["Plumtree:Http"] = $"127.0.0.1:{Plumtree.Agent.Cli.PortFinder.FreeTcpPort(System.Net.IPAddress.Loopback)}";
        }

        overrides.TryAdd("Plumtree:DataDir", dir.Combine("data"));
        var config = AgentConfiguration.Load(new AgentFlags { ConfigFile = empty }, new Dictionary<string, string>(), overrides);
        var app = AgentHost.Build(config, builder =>
        {
            if (!kestrel)
            {
                // Requests carry the configured listen address as Host, as a real client's would (the admin checks it).
                builder.WebHost.UseTestServer(o => o.BaseAddress = new Uri($"http://{config.Settings.Http}/"));
            }

            builder.Services.Replace(ServiceDescriptor.Singleton<IPlumtreeNodeHandle>(node));
            builder.Services.RemoveAll<IValidateOptions<PlumtreeNodeOptions>>();
        });
        var agent = new TestAgent(app, node, dir);
        await app.StartAsync(TestContext.Current.CancellationToken);
        agent.HttpAddress = config.Settings.Http.ToString();
        return agent;
    }

    /// <summary>The Kestrel address (ip:port) when started with <c>kestrel: true</c>.</summary>
    public string HttpAddress { get; private set; } = string.Empty;

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        _dir.Dispose();
    }
}
