using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>One member as <c>serf members -format=json</c> lists it.</summary>
internal sealed record SerfMember(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("addr")] string Addr,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("tags")] Dictionary<string, string>? Tags,
    [property: JsonPropertyName("status")] string Status);

/// <summary>
/// A real serf agent (Debian's <c>/usr/bin/serf</c>) on 127.0.0.1 with free ports and protocol defaults
/// (LAN profile), started and stopped by the test and queried with the serf CLI over its RPC port.
/// </summary>
internal sealed class SerfAgent : IAsyncDisposable
{
    public const string Executable = "/usr/bin/serf";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    private readonly ExternalProcess _process;
    private readonly InteropLog _log;

    private SerfAgent(string name, int port, int rpcPort, ExternalProcess process, InteropLog log)
    {
        Name = name;
        Port = port;
        RpcPort = rpcPort;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Port { get; }

    public int RpcPort { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string RpcAddress => $"127.0.0.1:{RpcPort}";

    public int Pid => _process.Pid;

    /// <summary>Lines this agent logged so far.</summary>
    public IEnumerable<string> LogLines => _log.From(Name);

    /// <summary>Starts an agent and waits until its RPC answers (and, with <paramref name="join"/>, until the join succeeded).</summary>
    public static async Task<SerfAgent> StartAsync(InteropLog log, string name, IReadOnlyDictionary<string, string>? tags = null, string? encryptKey = null, IEnumerable<IPEndPoint>? join = null)
    {
        var port = Ports.FreeTcpAndUdp();
        var rpcPort = Ports.FreeTcp();
        var arguments = new List<string>
        {
            "agent",
            $"-node={name}",
            $"-bind=127.0.0.1:{port}",
            $"-rpc-addr=127.0.0.1:{rpcPort}",
            "-log-level=debug",
        };
        foreach (var (key, value) in tags ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            arguments.Add("-tag");
            arguments.Add($"{key}={value}");
        }

        if (encryptKey is not null)
        {
            arguments.Add($"-encrypt={encryptKey}");
        }

        foreach (var seed in join ?? [])
        {
            arguments.Add($"-join={seed}");
        }

        var agent = new SerfAgent(name, port, rpcPort, ExternalProcess.Start(name, Executable, arguments, log), log);
        try
        {
            await Poll.UntilAsync(
                async () => agent._process.HasExited
                    ? throw new InvalidOperationException($"serf agent {name} exited during start-up (see its log)")
                    : (await agent.TryMembersAsync().ConfigureAwait(false)) is { } members && members.Any(m => m.Name == name),
                () => $"serf agent {name} answers on {agent.RpcAddress}").ConfigureAwait(false);
        }
        catch
        {
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return agent;
    }

    /// <summary>The agent's member list; fails the test when the CLI fails.</summary>
    public async Task<IReadOnlyList<SerfMember>> MembersAsync() =>
        await TryMembersAsync().ConfigureAwait(false) ?? throw new InvalidOperationException($"serf members -rpc-addr={RpcAddress} failed (see the log)");

    /// <summary>The agent's member list, or null when the CLI failed (e.g. RPC not up yet).</summary>
    public async Task<IReadOnlyList<SerfMember>?> TryMembersAsync()
    {
        var (exitCode, stdout) = await RunCliAsync("members", $"-rpc-addr={RpcAddress}", "-format=json").ConfigureAwait(false);
        if (exitCode != 0)
        {
            return null;
        }

        return JsonSerializer.Deserialize<SerfMembersResponse>(stdout)?.Members ?? [];
    }

    /// <summary><c>serf join</c> from this agent to <paramref name="address"/>: exit code and output.</summary>
    public Task<(int ExitCode, string Output)> JoinAsync(IPEndPoint address) =>
        RunCliAsync("join", $"-rpc-addr={RpcAddress}", address.ToString());

    /// <summary><c>serf leave</c>: the agent leaves the cluster gracefully (and then shuts down).</summary>
    public Task<(int ExitCode, string Output)> LeaveAsync() => RunCliAsync("leave", $"-rpc-addr={RpcAddress}");

    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task<(int ExitCode, string Output)> RunCliAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("serf CLI did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(Poll.Ct);
        var stderr = process.StandardError.ReadToEndAsync(Poll.Ct);
        try
        {
            await process.WaitForExitAsync(Poll.Ct).WaitAsync(CommandTimeout, Poll.Ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Posix.Signal(process.Id, Posix.SigKill);
            throw;
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0 || arguments[0] != "members")
        {
            _log.Add(Name, $"== serf {string.Join(' ', arguments)} -> exit {process.ExitCode}: {output.Trim()} {errors.Trim()}");
        }

        return (process.ExitCode, output + errors);
    }

    private sealed record SerfMembersResponse([property: JsonPropertyName("members")] List<SerfMember> Members);
}
