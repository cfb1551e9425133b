using System.Text.Json;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// Live key rotation (docs/security.md, "Key rotation") on real agent processes: the <c>plumtree keys</c> verbs and the
/// HTTP routes rotate the keyring of a 3-agent encrypted cluster, broadcasts reach every agent afterwards, and an agent
/// restarted with only the old key configured comes back with the rotated keyring from its data directory.
/// </summary>
public sealed class KeysProcessTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();
    private readonly List<LiveAgent> _agents = [];
    private readonly string _old = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly string _new = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Dictionary<string, string> Environment => new(StringComparer.Ordinal) { ["PLUMTREE_ENCRYPTION_KEYS"] = _old };

    public void Dispose()
    {
        foreach (var agent in Enumerable.Reverse(_agents))
        {
            agent.Dispose();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Keys_rotate_across_real_agents_and_an_agent_restarted_with_the_old_key_configured_keeps_the_rotated_keyring()
    {
        var a0 = Track(LiveAgent.Start("keys-a0", _dir, [], environment: Environment));
        var a1 = Track(LiveAgent.Start("keys-a1", _dir, [a0], environment: Environment));
        var a2 = Track(LiveAgent.Start("keys-a2", _dir, [a0], environment: Environment));
        var names = new[] { a0.Name, a1.Name, a2.Name };
        foreach (var agent in _agents)
        {
            await agent.WaitForMembersAsync(names, Bound);
        }

        // install with the CLI: every agent holds both keys
        var install = await Cli("keys", "install", _new, "--http", a0.HttpAddress);
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("3 of 3 node(s) answered", install.Stdout, StringComparison.Ordinal);
        await BroadcastReachesAllAsync(a1, "after install");

        // use over HTTP: the new key is primary on all three
        var (status, used) = await a1.PostAsync("v1/keys/use", $"{{\"key\":\"{_new}\"}}");
        Assert.Equal(200, status);
        Assert.True(used.GetProperty("succeeded").GetBoolean(), used.ToString());
        Assert.Equal(3, Holder(used, _new).GetProperty("primary_on").GetArrayLength());
        await BroadcastReachesAllAsync(a2, "after use");

        // the primary cannot be removed: exit 1 and every agent's refusal
        var refused = await Cli("keys", "remove", _new, "--http", a2.HttpAddress);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("cannot remove the primary key", refused.Stdout, StringComparison.Ordinal);

        // remove the old key (CLI, --json): only the new one is left anywhere
        var removed = await Cli("keys", "remove", _old, "--json", "--http", a2.HttpAddress);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        using (var doc = JsonDocument.Parse(removed.Stdout))
        {
            var keys = doc.RootElement.GetProperty("keys");
            Assert.Equal(1, keys.GetArrayLength());
            Assert.Equal((_new, 3), (keys[0].GetProperty("key").GetString(), keys[0].GetProperty("nodes").GetInt32()));
        }

        await BroadcastReachesAllAsync(a0, "after remove");

        // the keyring file holds the rotated keyring, readable by its owner only
        var file = Path.Combine(_dir.Path, a2.Name, "keyring.json");
        Assert.Equal([_new], JsonSerializer.Deserialize<string[]>(await File.ReadAllTextAsync(file, Ct))!);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        // restart a2 with the same configuration (old key only): the file wins, and it rejoins and receives
        await a2.Process.KillAsync(Bound);
        _agents.Remove(a2);
        a2.Dispose();
        var back = Track(LiveAgent.StartJoining(a2.Name, _dir, [a0.Address], port: a2.Port, httpPort: a2.HttpPort, environment: Environment));
        await back.WaitForMembersAsync(names, Bound);
        var listed = await Eventually.UntilAsync(
            () => back.GetAsync("v1/keys"),
            l => l.GetProperty("nodes_answered").GetInt32() == 3,
            Bound,
            "the restarted agent's key list reaches all three",
            Ct);
        Assert.True(listed.GetProperty("succeeded").GetBoolean(), listed.ToString());
        Assert.Equal(1, listed.GetProperty("keys").GetArrayLength());
        Assert.Equal(3, Holder(listed, _new).GetProperty("primary_on").GetArrayLength());
        await BroadcastReachesAllAsync(back, "after the restart");
    }

    private static JsonElement Holder(JsonElement report, string key) =>
        report.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("key").GetString() == key);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] args) => await AgentProcess.RunAsync(args);

    private LiveAgent Track(LiveAgent agent)
    {
        _agents.Add(agent);
        return agent;
    }

    private async Task BroadcastReachesAllAsync(LiveAgent from, string when)
    {
        var id = await from.BroadcastAsync($"keys test: {when}");
        foreach (var agent in _agents)
        {
            await Eventually.UntilAsync(
                () => agent.GetAsync("v1/messages"),
                m => m.GetProperty("messages").EnumerateArray().Any(x => x.GetProperty("id").GetString() == id),
                Bound,
                $"{agent.Name} delivers the broadcast sent {when}",
                Ct);
        }
    }
}
