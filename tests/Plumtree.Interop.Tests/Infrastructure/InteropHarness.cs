using System.Globalization;
using System.Net;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>
/// What one interop test runs: serf agents, Go peers and our nodes, one log timeline for all of them, and
/// clean-up (our nodes killed, processes stopped by PID). Use <see cref="RunAsync"/>: when the body fails the
/// whole timeline goes to the test output before the failure is rethrown.
/// </summary>
internal sealed class InteropHarness : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _processes = [];
    private readonly List<PlumtreeNode> _nodes = [];

    private InteropHarness()
    {
        Logging = new NodeLogging(Log);
    }

    public InteropLog Log { get; } = new();

    public NodeLogging Logging { get; }

    /// <summary>Runs a test body with a fresh harness; dumps every log to the test output if it throws.</summary>
    public static async Task RunAsync(Func<InteropHarness, Task> body)
    {
        await using var harness = new InteropHarness();
        try
        {
            await body(harness);
        }
        catch (Exception e)
        {
            harness.Log.Add("test", "== FAILED: " + e.Message);
            Output("---- interop log (serf agents, Go peers, our nodes) ----");
            Output(harness.Log.Dump());
            throw;
        }
    }

    /// <summary>Writes a line to the test output (figures the test reports whether it passes or not).</summary>
    public static void Output(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    public void Report(string line)
    {
        Log.Add("test", line);
        Output(line);
    }

    public async Task<SerfAgent> StartSerfAsync(string name, IReadOnlyDictionary<string, string>? tags = null, string? encryptKey = null, IEnumerable<IPEndPoint>? join = null)
    {
        var agent = await SerfAgent.StartAsync(Log, name, tags, encryptKey, join);
        _processes.Add(agent);
        return agent;
    }

    public async Task<GoMemberlistPeer> StartGoPeerAsync(string name, IEnumerable<IPEndPoint>? join = null)
    {
        var peer = await GoMemberlistPeer.StartAsync(Log, name, join);
        _processes.Add(peer);
        return peer;
    }

    /// <summary>Options for one of our nodes: 127.0.0.1, a free port, the <c>local</c> profile, and the given compatibility mode.</summary>
    public static PlumtreeNodeOptions NodeOptions(string name, ClusterCompatibility compatibility = ClusterCompatibility.Serf, string? zone = null) => new()
    {
        NodeName = name,
        BindAddress = "127.0.0.1",
        BindPort = 0,
        Profile = "local",
        Compatibility = compatibility,
        Zone = zone,
    };

    /// <summary>Creates and starts one of our nodes (not joined).</summary>
    public async Task<PlumtreeNode> StartNodeAsync(PlumtreeNodeOptions options)
    {
        var node = new PlumtreeNode(options, Logging);
        Logging.Attach(node);
        _nodes.Add(node);
        await node.StartAsync(Poll.Ct);
        Log.Add("test", $"== our node {node.Name} on {node.AdvertisedEndPoint} ({options.Compatibility}, {options.Profile})");
        return node;
    }

    /// <summary>The state <paramref name="node"/> holds for <paramref name="member"/>, or null when it does not know it.</summary>
    public static MemberState? StateOf(PlumtreeNode node, string member) =>
        node.Members.FirstOrDefault(m => m.Name == member)?.State;

    /// <summary>Waits until <paramref name="node"/> lists every name in <paramref name="members"/> as alive.</summary>
    public static Task UntilNodeSeesAliveAsync(PlumtreeNode node, params string[] members) =>
        Poll.UntilAsync(
            () => members.All(m => StateOf(node, m) == MemberState.Alive),
            () => $"our node {node.Name} lists [{string.Join(", ", members)}] alive; it lists: {Describe(node)}");

    /// <summary>Waits until serf agent <paramref name="agent"/> lists every name in <paramref name="members"/> with <paramref name="status"/>.</summary>
    public static async Task<IReadOnlyList<SerfMember>> UntilSerfListsAsync(SerfAgent agent, string status, params string[] members)
    {
        IReadOnlyList<SerfMember> last = [];
        await Poll.UntilAsync(
            async () =>
            {
                last = await agent.MembersAsync();
                return members.All(name => last.Any(m => m.Name == name && m.Status == status));
            },
            () => $"serf agent {agent.Name} lists [{string.Join(", ", members)}] {status}; it lists: {Describe(last)}");
        return last;
    }

    public static string Describe(PlumtreeNode node) =>
        string.Join(", ", node.Members.Select(m => $"{m.Name}={m.State}"));

    public static string Describe(IEnumerable<SerfMember> members) =>
        string.Join(", ", members.Select(m => $"{m.Name}={m.Status}"));

    public static string Describe(IEnumerable<GoMember> members) =>
        string.Join(", ", members.Select(m => $"{m.Name}={m.State}"));

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    public async ValueTask DisposeAsync()
    {
        // Our nodes first, without a leave (the processes are about to go too), then the processes by PID.
        await Task.WhenAll(_nodes.Select(n => n.KillAsync()));
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
    }
}
