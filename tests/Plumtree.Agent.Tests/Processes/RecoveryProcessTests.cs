using System.Globalization;
using System.Net;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// The recovery runbook (docs/operations/recovery.md) against real agent processes on loopback: what an operator of
/// an isolated node sees and does, and a restart whose seeds are down. Every agent is stopped by its PID.
/// </summary>
public sealed class RecoveryProcessTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly TempDir _dir = new();
    private readonly List<LiveAgent> _agents = [];

    // A key of this test's own: the isolated node keeps retrying the dead members' addresses (ReconnectInterval),
    // and a port freed by a killed agent may be reused by another test's agent; encrypted clusters cannot merge.
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal)
    {
        ["PLUMTREE_ENCRYPTION_KEYS"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    public void Dispose()
    {
        foreach (var agent in Enumerable.Reverse(_agents))
        {
            agent.Dispose();
        }

        _dir.Dispose();
    }

    private LiveAgent Start(string name, IEnumerable<string> join, int? port = null, int? httpPort = null, IReadOnlyCollection<int>? avoidPorts = null)
    {
        var agent = LiveAgent.StartJoining(name, _dir, join, port, httpPort, environment: _environment, avoidPorts: avoidPorts);
        _agents.Add(agent);
        return agent;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] args)
    {
        var result = await AgentProcess.RunAsync(args);
        return result;
    }

    [Fact]
    public async Task An_isolated_node_shows_the_runbook_symptoms_and_leave_then_join_brings_it_back()
    {
        var a = Start("iso-a", []);
        var b = Start("iso-b", [a.Address]);
        var c = Start("iso-c", [a.Address]);
        foreach (var agent in new[] { a, b, c })
        {
            await agent.WaitForMembersAsync(["iso-a", "iso-b", "iso-c"], Bound);
        }

        Assert.True(await a.GaugeAsync("plumtree_eager_peers") + await a.GaugeAsync("plumtree_lazy_peers") >= 1);

        // Isolate iso-a: every other member disappears at once, as when its link goes down.
        var gonePorts = new[] { b.Port, c.Port, b.HttpPort, c.HttpPort };
        await b.Process.KillAsync(Bound);
        await c.Process.KillAsync(Bound);

        // Symptoms (runbook "Isolated node" > What you see): both gauges 0, /health 503 Unhealthy, 'plumtree health' exit 1.
        await Eventually.UntilAsync(
            async () => (await a.GaugeAsync("plumtree_eager_peers"), await a.GaugeAsync("plumtree_lazy_peers")),
            g => g == (0, 0),
            Bound,
            "iso-a reports plumtree_eager_peers 0 and plumtree_lazy_peers 0", TestContext.Current.CancellationToken);
        var (code, _, message) = await Eventually.UntilAsync(a.HealthAsync, h => h.Status == "Unhealthy", Bound, "iso-a /health Unhealthy", TestContext.Current.CancellationToken);
        Assert.Equal(503, code);
        Assert.Contains("No Plumtree peers", message, StringComparison.Ordinal);
        var health = await Cli("health", "--http", a.HttpAddress);
        Assert.Equal(ExitCodes.Failure, health.ExitCode);
        Assert.StartsWith("Unhealthy", health.Stdout, StringComparison.Ordinal);
        var peers = await Cli("peers", "--http", a.HttpAddress, "--json");
        using (var json = JsonDocument.Parse(peers.Stdout))
        {
            Assert.Empty(json.RootElement.GetProperty("eager").EnumerateArray());
            Assert.Empty(json.RootElement.GetProperty("lazy").EnumerateArray());
        }

        // The rest of the cluster goes on without it (two nodes that never heard of iso-a, on other ports).
        var d = Start("iso-d", [], avoidPorts: gonePorts);
        var e = Start("iso-e", [d.Address], avoidPorts: gonePorts);
        await d.WaitForMembersAsync(["iso-d", "iso-e"], Bound);
        await e.WaitForMembersAsync(["iso-d", "iso-e"], Bound);
        var missed = "while isolated " + Guid.NewGuid().ToString("N");
        Assert.Equal(0, (await Cli("broadcast", missed, "--http", d.HttpAddress)).ExitCode);
        await Eventually.UntilAsync(e.PayloadsAsync, p => p.Contains(missed), Bound, "iso-e delivered the broadcast", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(missed, await a.PayloadsAsync());

        // Recovery as the runbook says: check the members (only itself alive), leave, join a seed.
        var members = await Cli("members", "--http", a.HttpAddress, "--json");
        using (var json = JsonDocument.Parse(members.Stdout))
        {
            var alive = json.RootElement.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("state").GetString() == "alive").Select(m => m.GetProperty("name").GetString());
            Assert.Equal(["iso-a"], alive);
        }

        var leave = await Cli("leave", "--http", a.HttpAddress);
        Assert.True(leave.ExitCode == 0, leave.Stdout + leave.Stderr);
        var join = await Cli("join", d.Address, "--http", a.HttpAddress);
        Assert.True(join.ExitCode == 0, join.Stdout + join.Stderr);
        Assert.Contains("joined: 1 seed(s) contacted", join.Stdout, StringComparison.Ordinal);

        // Done when: 'plumtree health' exits 0, peers are back, and a message broadcast afterwards arrives.
        await Eventually.UntilAsync(async () => (await Cli("health", "--http", a.HttpAddress)).ExitCode, x => x == 0, Bound, "plumtree health exits 0 on iso-a", TestContext.Current.CancellationToken);
        var (okCode, okStatus, _) = await a.HealthAsync();
        Assert.Equal(200, okCode);
        Assert.Equal("Healthy", okStatus);
        Assert.True(await a.GaugeAsync("plumtree_eager_peers") >= 1);
        await d.WaitForMembersAsync(["iso-a"], Bound);
        var after = "after the rejoin " + Guid.NewGuid().ToString("N");
        Assert.Equal(0, (await Cli("broadcast", after, "--http", e.HttpAddress)).ExitCode);
        await Eventually.UntilAsync(a.PayloadsAsync, p => p.Contains(after), Bound, "iso-a delivered the broadcast sent after the rejoin", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_restarted_agent_whose_seeds_are_down_rejoins_through_the_peers_stored_in_its_data_directory()
    {
        var p = Start("store-p", []);
        var q = Start("store-q", [p.Address]);
        var r = Start("store-r", [p.Address]);
        foreach (var agent in new[] { p, q, r })
        {
            await agent.WaitForMembersAsync(["store-p", "store-q", "store-r"], Bound);
        }

        // A graceful stop (systemctl stop): the known peers are recorded, then the agent leaves.
        r.Process.Terminate();
        Assert.Equal(0, await r.Process.WaitForExitAsync(Bound));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "store-r", "peers.db")));
        await Eventually.UntilAsync(() => p.MembersAsync("left"), left => left.Contains("store-r"), Bound, "store-p sees store-r as left", TestContext.Current.CancellationToken);

        // Restart on the same addresses and data directory, with a seed that is down.
        var dead = PortFinder.FreeTcpAndUdpPort(IPAddress.Loopback);
        var deadSeed = $"127.0.0.1:{dead.ToString(CultureInfo.InvariantCulture)}";
        var restarted = Start("store-r", [deadSeed], port: r.Port, httpPort: r.HttpPort);

        await restarted.WaitForMembersAsync(["store-p", "store-q", "store-r"], Bound);
        await p.WaitForMembersAsync(["store-r"], Bound);
        await q.WaitForMembersAsync(["store-r"], Bound);
        var log = restarted.Process.Stdout + restarted.Process.Stderr;
        Assert.Contains("Joined the cluster through known peers", log, StringComparison.Ordinal);
        Assert.Contains(deadSeed, log, StringComparison.Ordinal);
        var health = await Cli("health", "--http", restarted.HttpAddress);
        Assert.True(health.ExitCode == 0, health.Stdout);
    }
}
