using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Plumtree.ClusterBench.Versus;

/// <summary>One system under test: how to start agent <c>i</c> and talk to its admin API (ports are fixed: each system runs alone in its own network namespace).</summary>
internal abstract class AgentSystem : IDisposable
{
    public const int GossipPortBase = 17000;
    public const int AdminPortBase = 18000;

    protected static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public abstract string Name { get; }

    /// <summary>The executable and its arguments for node <paramref name="index"/> joining node 0.</summary>
    public abstract (string File, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env) Command(int index, int nodes, string workDir, string handler);

    /// <summary>True once the node's admin API answers.</summary>
    public abstract Task<bool> AnswersAsync(int index, CancellationToken cancellationToken);

    /// <summary>How many members this node sees alive (itself included); -1 when it does not answer.</summary>
    public abstract Task<int> AliveAsync(int index, CancellationToken cancellationToken);

    /// <summary>Broadcasts from node <paramref name="index"/>; null when accepted, else the refusal.</summary>
    public abstract Task<string?> SendAsync(int index, byte[] payload, CancellationToken cancellationToken);

    public virtual void Dispose()
    {
    }

    protected static string Address(int port) => "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The first line <paramref name="file"/> prints, trimmed; "missing" when it cannot run, fails or prints nothing.</summary>
    protected static string VersionFrom(string file, string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var first = (p.StandardOutput.ReadLine() ?? "").Trim();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 && first.Length > 0 ? first : "missing";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "missing";
        }
    }
}

/// <summary>An agent driven through the plumtree agent's admin routes (<c>GET /v1/members</c>, <c>POST /v1/broadcast</c>).</summary>
internal abstract class HttpAgentSystem : AgentSystem
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = CallTimeout };

    public override async Task<bool> AnswersAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(Url(index, "/v1/members"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public override async Task<int> AliveAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await _http.GetStreamAsync(Url(index, "/v1/members"), cancellationToken);
            using var doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            return doc.RootElement.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("state").GetString() == "alive");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return -1;
        }
    }

    public override async Task<string?> SendAsync(int index, byte[] payload, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        try
        {
            using var response = await _http.PostAsync(Url(index, "/v1/broadcast"), content, cancellationToken);
            return response.IsSuccessStatusCode
                ? null
                : $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return e.Message;
        }
    }

    public override void Dispose() => _http.Dispose();

    private static Uri Url(int index, string path) => new("http://" + Address(AdminPortBase + index) + path);
}

/// <summary>The plumtree agent (JIT or Native AOT build), driven through its HTTP admin API.</summary>
internal sealed class PlumtreeSystem(string name, string executable, IReadOnlyList<string> env) : HttpAgentSystem
{
    public override string Name => name;

    public override (string File, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env) Command(int index, int nodes, string workDir, string handler)
    {
        var dir = Path.Combine(workDir, "n" + index.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "plumtree.json");
        File.WriteAllText(config, "{}");
        var args = new List<string>
        {
            "agent", "--node-name", "n" + index.ToString(CultureInfo.InvariantCulture),
            "--bind", Address(GossipPortBase + index), "--http", Address(AdminPortBase + index),
            "--data-dir", Path.Combine(dir, "data"), "--config", config, "--profile", "lan", "--handler", handler,
        };
        if (index > 0)
        {
            args.AddRange(["--join", Address(GossipPortBase)]);
        }

        var environment = env.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return (executable, args, environment);
    }
}

/// <summary>
/// Go memberlist agents (<c>Versus/go-memberlist/main.go</c>, <c>mlagent</c>): user messages through memberlist's
/// TransmitLimitedQueue, re-queued by every node that receives one first; the same admin routes as the plumtree agent.
/// </summary>
internal sealed class MemberlistSystem(string executable) : HttpAgentSystem
{
    public override string Name => "memberlist";

    /// <summary>The memberlist source the agent is built against (Debian's package version), or "missing".</summary>
    public static string Version() => VersionFrom("dpkg-query", "-W -f=${Version} golang-github-hashicorp-memberlist-dev");

    public override (string File, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env) Command(int index, int nodes, string workDir, string handler)
    {
        var args = new List<string>
        {
            "-name", "n" + index.ToString(CultureInfo.InvariantCulture),
            "-bind", Address(GossipPortBase + index), "-http", Address(AdminPortBase + index), "-handler", handler,
        };
        if (index > 0)
        {
            args.AddRange(["-join", Address(GossipPortBase)]);
        }

        return (executable, args, new Dictionary<string, string>(StringComparer.Ordinal));
    }
}

/// <summary>The serf agent (user events, not coalesced), driven through its RPC port.</summary>
internal sealed class SerfSystem : AgentSystem
{
    public const string EventName = "bench";

    private readonly Dictionary<int, SerfRpc> _senders = [];

    public override string Name => "serf";

    public static string Version() => VersionFrom("serf", "version");

    public override (string File, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env) Command(int index, int nodes, string workDir, string handler)
    {
        var args = new List<string>
        {
            "agent", "-node=n" + index.ToString(CultureInfo.InvariantCulture),
            "-bind=" + Address(GossipPortBase + index), "-rpc-addr=" + Address(AdminPortBase + index),
            "-event-handler=user:" + EventName + "=" + handler, "-log-level=warn", "-profile=lan",
        };
        if (index > 0)
        {
            args.Add("-join=" + Address(GossipPortBase));
        }

        return ("serf", args, new Dictionary<string, string>(StringComparer.Ordinal));
    }

    public override Task<bool> AnswersAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            using var rpc = SerfRpc.Connect(AdminPortBase + index, CallTimeout);
            return Task.FromResult(true);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            return Task.FromResult(false);
        }
    }

    public override Task<int> AliveAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            using var rpc = SerfRpc.Connect(AdminPortBase + index, CallTimeout);
            return Task.FromResult(rpc.Members().Count(m => m.Status == "alive"));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException or InvalidOperationException)
        {
            return Task.FromResult(-1);
        }
    }

    public override Task<string?> SendAsync(int index, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            if (!_senders.TryGetValue(index, out var rpc))
            {
                rpc = SerfRpc.Connect(AdminPortBase + index, CallTimeout);
                _senders[index] = rpc;
            }

            return Task.FromResult(rpc.Event(EventName, payload));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            if (_senders.Remove(index, out var broken))
            {
                broken.Dispose();
            }

            return Task.FromResult<string?>(e.Message);
        }
    }

    public override void Dispose()
    {
        foreach (var rpc in _senders.Values)
        {
            rpc.Dispose();
        }
    }
}
