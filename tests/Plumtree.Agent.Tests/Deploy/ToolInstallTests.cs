using System.Text.RegularExpressions;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Deploy;

/// <summary>
/// <c>plumtree</c> as a .NET tool, as tools/install.sh makes it: Plumtree.Agent packed (PackAsTool) into a folder,
/// installed from that folder alone (offline, no feed), then the installed command run against a live agent.
/// </summary>
public sealed partial class ToolInstallTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_packed_tool_installs_offline_and_its_plumtree_command_talks_to_a_live_agent()
    {
        using var dir = new TempDir();
        var pack = Path.Combine(dir.Path, "pack");
        var tools = Path.Combine(dir.Path, "tools");

        // The projects are built (this test project references Plumtree.Agent): pack what was built.
        var (packed, packOutput) = await Tools.RunAsync("dotnet", ["pack", Paths.Repo("src", "Plumtree.Agent"), "-c", Paths.Configuration, "--no-build", "--nologo", "-o", pack], timeout: Step);
        Assert.True(packed == 0, packOutput);
        var package = Assert.Single(Directory.GetFiles(pack, "Plumtree.Agent.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["Plumtree.Agent.".Length..];

        // --source replaces every configured feed: the install needs nothing but the folder.
        var (installed, installOutput) = await Tools.RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--source", pack, "--version", version, "Plumtree.Agent"], timeout: Step);
        Assert.True(installed == 0, installOutput);
        var plumtree = Path.Combine(tools, "plumtree");
        Assert.True(File.Exists(plumtree), installOutput);

        var (versionCode, versionOutput) = await Tools.RunAsync(plumtree, ["--version"]);
        Assert.Equal(0, versionCode);
        Assert.StartsWith(version, versionOutput.Trim(), StringComparison.Ordinal);

        var (helpCode, help) = await Tools.RunAsync(plumtree, ["--help"]);
        Assert.Equal(0, helpCode);
        Assert.Contains("Run 'plumtree agent' on every machine", help, StringComparison.Ordinal);
        foreach (var verb in new[] { "agent", "members", "broadcast", "health", "demo" })
        {
            Assert.Matches(new Regex($@"(?m)^\s+{verb}\b"), help);
        }

        // The installed command against a real agent (started from the build, as the other process tests do).
        using var agent = LiveAgent.Start("tool-1", dir, []);
        await agent.WaitForMembersAsync(["tool-1"], TimeSpan.FromSeconds(60));

        var (membersCode, members) = await Tools.RunAsync(plumtree, ["members", "--http", agent.HttpAddress]);
        Assert.True(membersCode == 0, members);
        Assert.Matches(MemberRow(), members);

        var (healthCode, health) = await Tools.RunAsync(plumtree, ["health", "--http", agent.HttpAddress]);
        Assert.True(healthCode == 0, health);
        Assert.Contains("Healthy", health, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"tool-1\s*│\s*127\.0\.0\.1:\d+\s*│\s*alive")]
    private static partial Regex MemberRow();
}
