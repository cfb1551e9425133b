using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Deploy;

public sealed class SystemdUnitTests
{
    private static readonly string Unit = Paths.Repo("deploy", "systemd", "plumtree.service");

    private static Dictionary<string, string> Settings() => File.ReadAllLines(Unit)
        .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.TrimStart().StartsWith('#'))
        .Select(l => l.Split('=', 2))
        .GroupBy(p => p[0].Trim())
        .ToDictionary(g => g.Key, g => g.Last()[1].Trim());

    /// <summary>The unit with ExecStart pointed at a stub binary, so verification does not need an installed agent.</summary>
    private static string StubbedUnit(TempDir dir)
    {
        var stub = dir.File("plumtree", "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var text = File.ReadAllText(Unit).Replace("/usr/local/bin/plumtree", stub, StringComparison.Ordinal);
        return dir.File("plumtree.service", text);
    }

    [Fact]
    public void The_unit_runs_the_agent_as_a_notify_service_of_a_dedicated_user_with_its_state_directory()
    {
        var unit = Settings();

        Assert.Equal("notify", unit["Type"]);
        Assert.Equal("/usr/local/bin/plumtree agent --config /etc/plumtree/plumtree.json", unit["ExecStart"]);
        Assert.Equal("plumtree", unit["User"]);
        Assert.Equal("plumtree", unit["StateDirectory"]);
        Assert.Equal("SIGTERM", unit["KillSignal"]);
        Assert.Equal("2", unit["RestartPreventExitStatus"]);
        Assert.Equal("yes", unit["NoNewPrivileges"]);
        Assert.Equal("strict", unit["ProtectSystem"]);
        Assert.DoesNotContain("MemoryDenyWriteExecute", unit.Keys);
    }

    [Fact]
    public void The_stop_timeout_leaves_room_for_a_graceful_leave_and_the_host_shutdown()
    {
        var stop = int.Parse(Settings()["TimeoutStopSec"], System.Globalization.CultureInfo.InvariantCulture);
        var leave = new Plumtree.Hosting.PlumtreeHostingOptions().LeaveTimeout.TotalSeconds;

        // The agent's host waits LeaveTimeout + 15 s before giving up (AgentHost); systemd must wait longer.
        Assert.True(stop > leave + 15, $"TimeoutStopSec={stop} must exceed LeaveTimeout ({leave} s) + 15 s");
    }

    [Fact]
    public void The_start_timeout_outlasts_the_wait_for_seeds()
    {
        var start = int.Parse(Settings()["TimeoutStartSec"], System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(start > new Plumtree.Hosting.PlumtreeHostingOptions().JoinReadyTimeout.TotalSeconds * 2);
    }

    [Fact]
    public async Task Systemd_analyze_verifies_the_unit()
    {
        var analyze = Tools.Require("systemd-analyze", "systemd");
        using var dir = new TempDir();

        var (code, output) = await Tools.RunAsync(analyze, ["verify", "--man=no", StubbedUnit(dir)]);

        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify exited {code}:\n{output}");
    }

    [Fact]
    public async Task Systemd_analyze_rates_the_sandbox_at_most_2_5_exposure()
    {
        var analyze = Tools.Require("systemd-analyze", "systemd");
        using var dir = new TempDir();

        var (code, output) = await Tools.RunAsync(analyze, ["security", "--offline=yes", "--threshold=25", "--no-pager", StubbedUnit(dir)]);

        Assert.True(code == 0, $"systemd-analyze security exited {code}:\n{output}");
    }
}
