using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>Real agents (dotnet plumtree.dll) on loopback, driven by the real CLI. Needs the real node.</summary>
public sealed partial class LiveClusterTests(LiveClusterFixture cluster) : IClassFixture<LiveClusterFixture>
{
    private static readonly TimeSpan Bound = LiveClusterFixture.Bound;

    [Fact]
    public async Task The_cli_lists_every_member_and_the_peer_sets_of_a_live_agent()
    {
        var members = await AgentProcess.RunAsync(["members", "--http", cluster.A.HttpAddress, "--json"]);
        var peers = await AgentProcess.RunAsync(["peers", "--http", cluster.B.HttpAddress, "--json"]);
        var state = await AgentProcess.RunAsync(["state", "--http", cluster.C.HttpAddress, "--json"]);
        var health = await AgentProcess.RunAsync(["health", "--http", cluster.A.HttpAddress]);

        Assert.Equal(0, members.ExitCode);
        using var membersJson = JsonDocument.Parse(members.Stdout);
        var list = membersJson.RootElement.GetProperty("members").EnumerateArray().ToList();
        // Other tests in this class add (and stop) agents of their own on the same cluster; the three
        // agents of the fixture must be listed alive whatever else is there.
        foreach (var name in new[] { "live-a", "live-b", "live-c" })
        {
            Assert.Contains(list, m => m.GetProperty("name").GetString() == name && m.GetProperty("state").GetString() == "alive");
        }

        Assert.All(list, m => Assert.StartsWith("live-", m.GetProperty("name").GetString(), StringComparison.Ordinal));
        Assert.Contains(list, m => m.GetProperty("name").GetString() == "live-b" && m.GetProperty("address").GetString() == cluster.B.Address);

        Assert.Equal(0, peers.ExitCode);
        using var peersJson = JsonDocument.Parse(peers.Stdout);
        Assert.Equal("live-b", peersJson.RootElement.GetProperty("self").GetString());
        var eager = peersJson.RootElement.GetProperty("eager").EnumerateArray().Select(e => e.GetString()).ToList();
        var lazy = peersJson.RootElement.GetProperty("lazy").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.NotEmpty(eager);
        Assert.All(eager.Concat(lazy), p => Assert.True(p is not null && p != "live-b" && p.StartsWith("live-", StringComparison.Ordinal), $"unexpected peer {p}"));
        Assert.True(eager.Concat(lazy).Intersect(["live-a", "live-c"]).Any(), "live-b has one of the fixture's agents as a peer");

        Assert.Equal(0, state.ExitCode);
        using var stateJson = JsonDocument.Parse(state.Stdout);
        Assert.True(stateJson.RootElement.GetProperty("members").GetProperty("alive").GetInt32() >= 3);
        Assert.Equal(0, health.ExitCode);
    }

    [Fact]
    public async Task A_broadcast_from_the_cli_is_delivered_on_every_agent_and_runs_the_handler()
    {
        var text = "live broadcast " + Guid.NewGuid().ToString("N");

        var result = await AgentProcess.RunAsync(["broadcast", text, "--http", cluster.A.HttpAddress, "--json"]);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var id = json.RootElement.GetProperty("id").GetString()!;
        foreach (var agent in new[] { cluster.A, cluster.B, cluster.C })
        {
            await Eventually.UntilAsync(agent.PayloadsAsync, p => p.Contains(text), Bound, $"{agent.Name} delivered the broadcast", TestContext.Current.CancellationToken);
        }

        var payloadFile = Path.Combine(cluster.HandlerOutput, id + ".payload");
        var envFile = Path.Combine(cluster.HandlerOutput, id + ".env");
        await Eventually.UntilAsync(() => File.Exists(envFile), Bound, "the handler ran on live-b", TestContext.Current.CancellationToken);
        Assert.Equal(text, await File.ReadAllTextAsync(payloadFile, TestContext.Current.CancellationToken));
        var env = (await File.ReadAllTextAsync(envFile, TestContext.Current.CancellationToken)).Split(' ');
        Assert.Equal(id, env[0]);
        Assert.True(int.Parse(env[1], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("live-b", env[2]);
    }

    [Fact]
    public async Task Rebalance_and_cache_clear_work_on_a_live_agent()
    {
        var rebalance = await AgentProcess.RunAsync(["rebalance", "--http", cluster.C.HttpAddress]);
        var clear = await AgentProcess.RunAsync(["cache", "clear", "--http", cluster.C.HttpAddress]);
        var state = await cluster.C.GetAsync("debug/state");

        Assert.Equal(0, rebalance.ExitCode);
        Assert.Equal(0, clear.ExitCode);
        Assert.Equal(0, state.GetProperty("cache_size").GetInt32());
    }

    [Fact]
    public async Task SIGTERM_makes_an_agent_leave_gracefully_and_exit_0()
    {
        using var leaver = LiveAgent.Start("live-sigterm", cluster.Dir, [cluster.A]);

        // Every fixture agent must know it before it leaves: the leave is gossiped only RetransmitMult x
        // ceil(log10(n + 1)) = 2 times (local profile), and a member that has not heard of live-sigterm yet
        // ignores its leave (then sees it fail: dead, not left).
        foreach (var agent in new[] { cluster.A, cluster.B, cluster.C })
        {
            await agent.WaitForMembersAsync(["live-sigterm"], Bound);
        }

        leaver.Process.Terminate();
        var code = await leaver.Process.WaitForExitAsync(Bound);

        Assert.True(code == 0, leaver.ToString());
        Assert.Contains("Left the cluster", leaver.Process.Stdout + leaver.Process.Stderr, StringComparison.Ordinal);
        try
        {
            await Eventually.UntilAsync(() => cluster.A.MembersAsync("left"), left => left.Contains("live-sigterm"), Bound, "live-a sees live-sigterm as left", TestContext.Current.CancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nlive-a members: {await cluster.A.GetAsync("v1/members")}\nleaver:\n{leaver}\nlive-a:\n{cluster.A}", ex);
        }
    }

    [Fact]
    public async Task An_agent_that_left_through_the_cli_rejoins_through_the_cli()
    {
        using var agent = LiveAgent.Start("live-rejoin", cluster.Dir, [cluster.A]);
        await cluster.A.WaitForMembersAsync(["live-rejoin"], Bound);

        var leave = await AgentProcess.RunAsync(["leave", "--http", agent.HttpAddress]);
        await Eventually.UntilAsync(() => cluster.A.MembersAsync("left"), left => left.Contains("live-rejoin"), Bound, "live-a sees live-rejoin as left", TestContext.Current.CancellationToken);
        var join = await AgentProcess.RunAsync(["join", cluster.B.Address, "--http", agent.HttpAddress, "--json"]);

        Assert.Equal(0, leave.ExitCode);
        Assert.Equal(0, join.ExitCode);
        using var json = JsonDocument.Parse(join.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("contacted").GetInt32());
        await cluster.A.WaitForMembersAsync(["live-rejoin"], Bound);
    }

    [Fact]
    public async Task Under_systemd_the_agent_notifies_READY_after_joining_and_STOPPING_on_stop()
    {
        using var dir = new TempDir();
        var socketPath = dir.Combine("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));

        // Microsoft.Extensions.Hosting.Systemd recognises a service by its parent process being named "systemd":
        // a copy of /bin/sh under that name runs the agent as its child (not exec'd), with NOTIFY_SOCKET set.
        var fakeSystemd = dir.Combine("systemd");
        File.Copy("/bin/sh", fakeSystemd);
        File.SetUnixFileMode(fakeSystemd, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var pidFile = dir.Combine("pid");
        using var agent = LiveAgent.Start(
            "live-notify",
            dir,
            [cluster.A],
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["PT_PIDFILE"] = pidFile, ["PT_SYSTEMD"] = fakeSystemd },
            shellScript: "exec \"$PT_SYSTEMD\" -c 'dotnet \"$0\" \"$@\" & echo $! > \"$PT_PIDFILE\"; wait $!' \"$0\" \"$@\"");

        var first = await ReceiveAsync(notify);
        Assert.Contains("READY=1", first, StringComparison.Ordinal);
        var alive = await cluster.A.MembersAsync();
        Assert.Contains("live-notify", alive);

        var pid = int.Parse((await File.ReadAllTextAsync(pidFile, TestContext.Current.CancellationToken)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, Kill(pid, 15));
        var next = await ReceiveAsync(notify);
        Assert.Contains("STOPPING=1", next, StringComparison.Ordinal);
        Assert.Equal(0, await agent.Process.WaitForExitAsync(Bound));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Bound);
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
