using System.Globalization;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>
/// Real <c>plumtree</c> agents, one per network namespace of a <see cref="ChaosNetwork"/>, as the runbook runs them:
/// membership on <c>IP:7946</c>, the admin API on the node's own <c>127.0.0.1:8080</c>, a data directory kept across
/// restarts, and CLI verbs run on the node (<c>ip netns exec NS plumtree VERB</c>). Every agent runs the <c>local</c>
/// profile and a <c>--handler</c> that appends each delivered message id to a file per node
/// (<see cref="DeliveryLog"/>), so deliveries are counted across process lifetimes. Agents are stopped by their PID only.
/// Dispose kills every agent still running and deletes the namespaces, whether the test passed or not.
/// </summary>
internal sealed partial class ChaosCluster : IAsyncDisposable
{
    public const int MembershipPort = 7946;
    public const int AdminPort = 8080;

    /// <summary>The bound of every wait (generous: a 2-core machine running other test projects too).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;
    private readonly ChaosNetwork _network;
    private readonly TempDir _dir = new();
    private readonly List<LiveAgent> _agents = [];
    private readonly List<ChaosNode> _nodes = [];

    private ChaosCluster(ITestOutputHelper output, ChaosNetwork network)
    {
        _output = output;
        _network = network;
        Deliveries = new DeliveryLog(_dir.Combine("delivered"));
        File.WriteAllText(_dir.Combine("plumtree.json"), "{}");
    }

    /// <summary>Every delivery to each node's handler, across its restarts.</summary>
    public DeliveryLog Deliveries { get; }

    /// <summary>
    /// The agents' environment: defaults but a 2 s anti-entropy interval (default 10 s), so the "a few more rounds
    /// bring nothing twice" checks stay short. Rounds with a member that comes back start at once either way.
    /// </summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal)
    {
        ["PLUMTREE_SYNC__INTERVAL"] = "00:00:02",
    };

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Makes the network (failing with the reason when namespaces cannot be made).</summary>
    public static async Task<ChaosCluster> CreateAsync(ITestOutputHelper output) => new(output, await ChaosNetwork.CreateAsync());

    /// <summary>Adds nodes <c>PREFIX1..PREFIXn</c> in <paramref name="zone"/>, each in a namespace of its own.</summary>
    public async Task<IReadOnlyList<ChaosNode>> AddNodesAsync(string prefix, int count, string? zone = null)
    {
        var added = new List<ChaosNode>();
        for (var i = 1; i <= count; i++)
        {
            var node = new ChaosNode(await _network.AddNodeAsync(prefix + i.ToString(CultureInfo.InvariantCulture)), zone);
            _nodes.Add(node);
            added.Add(node);
        }

        return added;
    }

    /// <summary>The node's data directory (<c>Plumtree:DataDir</c>; the runbook's <c>/var/lib/plumtree/data</c>).</summary>
    public string DataDir(ChaosNode node) => _dir.Combine(node.Name);

    /// <summary>
    /// Starts the agent on <paramref name="node"/> (<c>systemctl start plumtree</c>) joining <paramref name="seeds"/>,
    /// with the counting handler or <paramref name="handler"/>; does not wait for it.
    /// </summary>
    public LiveAgent Start(ChaosNode node, IEnumerable<ChaosNode> seeds, string? handler = null, IDictionary<string, string>? environment = null)
    {
        var args = new List<string>
        {
            "agent",
            "--config", _dir.Combine("plumtree.json"),
            "--node-name", node.Name,
            "--bind", node.Seed,
            "--profile", "local",
            "--data-dir", DataDir(node),
            "--handler", handler ?? Deliveries.Handler(node.Name),
        };
        if (node.Zone is not null)
        {
            args.AddRange(["--zone", node.Zone]);
        }

        foreach (var seed in seeds.Where(s => s != node))
        {
            args.AddRange(["--join", seed.Seed]);
        }

        var env = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var agent = LiveAgent.StartWith(node.Name, node.Network.Address, MembershipPort, AdminPort, args, node.Http, InNamespace(node), env);
        _agents.Add(agent);
        node.Started(agent);
        return agent;
    }

    /// <summary>Starts every one of <paramref name="nodes"/> at once, joining <paramref name="seeds"/>, and waits until each sees all of them alive.</summary>
    public async Task StartFormedAsync(IReadOnlyList<ChaosNode> nodes, IReadOnlyList<ChaosNode> seeds)
    {
        foreach (var node in nodes)
        {
            Start(node, seeds);
        }

        await WaitFormedAsync(nodes);
    }

    /// <summary>Runs <c>plumtree ARGS</c> on <paramref name="node"/> (in its namespace; the CLI's default admin address is the node's 127.0.0.1:8080).</summary>
    public async Task<CliResult> CliAsync(ChaosNode node, params string[] args)
    {
        using var process = AgentProcess.Start(args, shellScript: InNamespace(node));
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return new CliResult(code, process.Stdout, process.Stderr);
    }

    /// <summary>Runs a CLI verb on <paramref name="node"/> that must exit 0; returns its output.</summary>
    public async Task<CliResult> CliOkAsync(ChaosNode node, params string[] args)
    {
        var result = await CliAsync(node, args);
        Assert.True(result.ExitCode == 0, $"plumtree {string.Join(' ', args)} on {node.Name}: {result}");
        return result;
    }

    /// <summary><c>systemctl stop plumtree</c>: SIGTERM (a graceful leave) and the agent exits 0.</summary>
    public async Task StopAsync(ChaosNode node)
    {
        node.Agent.Process.Terminate();
        var code = await node.Agent.Process.WaitForExitAsync(Bound);
        Assert.True(code == 0, $"{node.Name} exited {code} on SIGTERM: {node.Agent.Process}");
    }

    /// <summary>A crash: SIGKILL, no leave.</summary>
    public Task KillAsync(ChaosNode node) => node.Agent.Process.KillAsync(Bound);

    /// <summary>Takes <paramref name="node"/>'s link down.</summary>
    public Task CutAsync(ChaosNode node) => _network.CutAsync(node.Network);

    /// <summary>Brings <paramref name="node"/>'s link back up.</summary>
    public Task RestoreAsync(ChaosNode node) => _network.RestoreAsync(node.Network);

    /// <summary>Moves <paramref name="side"/> to a bridge of its own: both sides keep their links, and cannot reach each other.</summary>
    public Task PartitionAsync(IEnumerable<ChaosNode> side) => _network.PartitionAsync(side.Select(n => n.Network));

    /// <summary>Every node back on one bridge.</summary>
    public Task HealAsync() => _network.HealAsync();

    /// <summary>A line of the test's output: the measured times and counts of the scenario.</summary>
    public void Report(string line) => _output.WriteLine(line);

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in Enumerable.Reverse(_agents))
        {
            agent.Dispose();
        }

        try
        {
            await _network.DisposeAsync();
        }
        finally
        {
            foreach (var node in _nodes)
            {
                node.Dispose();
            }

            _dir.Dispose();
        }
    }

    /// <summary>The wrapper that runs <c>dotnet plumtree.dll ARGS</c> inside the node's namespace (exec: the PID is the agent's).</summary>
    private static string InNamespace(ChaosNode node) =>
        $"exec '{NetNs.IpTool}' netns exec '{node.Network.Namespace}' dotnet \"$0\" \"$@\"";
}
