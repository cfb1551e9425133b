using System.Globalization;
using System.Net;
using System.Text.Json;
using Plumtree.Agent.Cli;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Support;

/// <summary>
/// A real agent process, and an HTTP client for its admin API: on loopback with free ports, or (<see cref="StartWith"/>)
/// wherever its caller puts it, such as a network namespace of the chaos tests.
/// </summary>
internal sealed class LiveAgent : IDisposable
{
    private static readonly HttpClient LoopbackHttp = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HttpClient _http;
    private readonly string _host;

    private LiveAgent(string name, int port, int httpPort, AgentProcess process, string host = "127.0.0.1", HttpClient? http = null)
    {
        Name = name;
        Port = port;
        HttpPort = httpPort;
        Process = process;
        _host = host;
        _http = http ?? LoopbackHttp;
    }

    public string Name { get; }

    public int Port { get; }

    public int HttpPort { get; }

    public string HttpAddress => $"127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}";

    public string Address => $"{_host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public AgentProcess Process { get; }

    public static LiveAgent Start(string name, TempDir dir, IEnumerable<LiveAgent> seeds, string? handler = null, string? shellScript = null, IDictionary<string, string>? environment = null) =>
        StartJoining(name, dir, seeds.Select(s => s.Address), handler: handler, shellScript: shellScript, environment: environment);

    /// <summary>
    /// Starts an agent joining <paramref name="join"/> (addresses), on <paramref name="port"/>/<paramref name="httpPort"/>
    /// when given (a restart on the same addresses) or free ports, with data directory <c>dir/name</c> (kept across restarts).
    /// </summary>
    public static LiveAgent StartJoining(string name, TempDir dir, IEnumerable<string> join, int? port = null, int? httpPort = null, string? handler = null, string? shellScript = null, IDictionary<string, string>? environment = null, IReadOnlyCollection<int>? avoidPorts = null)
    {
        // A free port found now can be taken before the agent binds it (any outbound connection on the machine, such
        // as another test's, gets an ephemeral port from the same range): on free ports, an agent that exits because
        // its address is in use is started again on new ones (at most 3 attempts).
        for (var attempt = 1; ; attempt++)
        {
            var membershipPort = port ?? FreePort(() => PortFinder.FreeTcpAndUdpPort(IPAddress.Loopback), avoidPorts);
            var adminPort = httpPort ?? FreePort(() => PortFinder.FreeTcpPort(IPAddress.Loopback), avoidPorts);
            var agent = StartOn(name, dir, join, membershipPort, adminPort, handler, shellScript, environment);
            if ((port is not null && httpPort is not null) || attempt == 3 || !LostItsPorts(agent))
            {
                return agent;
            }

            agent.Dispose();
        }
    }

    /// <summary>
    /// Starts <c>plumtree args</c> as given (through <paramref name="shellScript"/> when set): an agent reached by others
    /// at <paramref name="host"/>:<paramref name="port"/>, whose admin API <paramref name="http"/> reaches at
    /// <c>127.0.0.1:<paramref name="httpPort"/></c> (an <see cref="HttpClient"/> whose connections are made where the
    /// agent's loopback is, e.g. in its network namespace).
    /// </summary>
    public static LiveAgent StartWith(string name, string host, int port, int httpPort, IEnumerable<string> args, HttpClient http, string? shellScript = null, IDictionary<string, string>? environment = null) =>
        new(name, port, httpPort, AgentProcess.Start(args, environment, shellScript: shellScript), host, http);

    /// <summary>Waits (at most 20 s) until the agent's admin API listens or it exits; true when it exited because an address was in use.</summary>
    private static bool LostItsPorts(LiveAgent agent)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < TimeSpan.FromSeconds(20))
        {
            if (agent.Process.Stdout.Contains("HTTP admin listening on", StringComparison.Ordinal))
            {
                return false;
            }

            if (agent.Process.HasExited)
            {
                var output = agent.Process.Stdout + agent.Process.Stderr;
                return output.Contains("address already in use", StringComparison.OrdinalIgnoreCase) || output.Contains("Address in use", StringComparison.OrdinalIgnoreCase);
            }

            Task.Delay(TimeSpan.FromMilliseconds(25), TimeProvider.System).GetAwaiter().GetResult();
        }

        return false;
    }

    private static int FreePort(Func<int> find, IReadOnlyCollection<int>? avoid)
    {
        for (var i = 0; i < 50; i++)
        {
            var candidate = find();
            if (avoid is null || !avoid.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no free port outside the avoided ones");
    }

    private static LiveAgent StartOn(string name, TempDir dir, IEnumerable<string> join, int port, int httpPort, string? handler, string? shellScript, IDictionary<string, string>? environment)
    {
        var config = Path.Combine(dir.Path, "empty.json");
        if (!File.Exists(config))
        {
            File.WriteAllText(config, "{}");
        }

        var args = new List<string>
        {
            "agent",
            "--config", config,
            "--node-name", name,
            "--bind", $"127.0.0.1:{port}",
            "--advertise", $"127.0.0.1:{port}",
            "--http", $"127.0.0.1:{httpPort}",
            "--profile", "local",
            "--data-dir", Path.Combine(dir.Path, name),
        };
        foreach (var seed in join)
        {
            args.AddRange(["--join", seed]);
        }

        if (handler is not null)
        {
            args.AddRange(["--handler", handler]);
        }

        return new LiveAgent(name, port, httpPort, AgentProcess.Start(args, environment, shellScript: shellScript));
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _http.GetAsync($"http://{HttpAddress}/{path.TrimStart('/')}", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    /// <summary>Members this agent reports in <paramref name="state"/>.</summary>
    public async Task<IReadOnlyList<string>> MembersAsync(string state = "alive") =>
        (await GetAsync("v1/members")).GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("state").GetString() == state)
            .Select(m => m.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The admin's <c>/metrics</c> text.</summary>
    public async Task<string> MetricsAsync()
    {
        using var response = await _http.GetAsync($"http://{HttpAddress}/metrics", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The value of a gauge for this node in <c>/metrics</c> (the series with <c>node="NAME"</c>).</summary>
    public async Task<double> GaugeAsync(string metric)
    {
        var prefix = metric + "{";
        foreach (var line in (await MetricsAsync()).Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal) && line.Contains($"node=\"{Name}\"", StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"{metric} for {Name} not in /metrics");
    }

    /// <summary><c>GET /health</c>: the HTTP status and the JSON status field.</summary>
    public async Task<(int Code, string Status, string Message)> HealthAsync()
    {
        using var response = await _http.GetAsync($"http://{HttpAddress}/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(body);
        return ((int)response.StatusCode, doc.RootElement.GetProperty("status").GetString()!, doc.RootElement.GetProperty("message").GetString()!);
    }

    public Task WaitForMembersAsync(IEnumerable<string> names, TimeSpan timeout)
    {
        var expected = names.Order(StringComparer.Ordinal).ToList();
        return Eventually.UntilAsync(
            async () =>
            {
                if (Process.HasExited)
                {
                    throw new InvalidOperationException($"agent {Name} exited: {Process}");
                }

                return await MembersAsync();
            },
            alive => expected.All(alive.Contains),
            timeout,
            $"{Name} sees {string.Join(", ", expected)} alive", TestContext.Current.CancellationToken);
    }

    /// <summary><c>POST /v1/broadcast</c> with <paramref name="payload"/> (UTF-8); returns the message id (fails unless 202).</summary>
    public async Task<string> BroadcastAsync(string payload)
    {
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(payload));
        using var response = await _http.PostAsync($"http://{HttpAddress}/v1/broadcast", content, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"broadcast on {Name}: {(int)response.StatusCode} {body}");
        }

        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A <c>POST</c> to the admin API: the status code and the JSON body.</summary>
    public async Task<(int Code, JsonElement Body)> PostAsync(string path, string? json = null)
    {
        using var content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync($"http://{HttpAddress}/{path.TrimStart('/')}", content, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(body);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>
    /// The sum of the series of <paramref name="metric"/> for this node in <c>/metrics</c> whose labels include
    /// <paramref name="labels"/> (<c>name=value</c>); 0 when there is none (a counter not incremented yet).
    /// </summary>
    public async Task<double> CounterAsync(string metric, params string[] labels) =>
        MetricsText.Sum(await MetricsAsync(), metric, [$"node={Name}", .. labels]);

    /// <summary>The sum of the series of one of the agent's own metrics (<c>plumtree_agent_*</c>: no <c>node</c> label); 0 when there is none.</summary>
    public async Task<double> AgentCounterAsync(string metric) => MetricsText.Sum(await MetricsAsync(), metric, []);

    /// <summary>Members this agent does not consider failed (alive or suspect).</summary>
    public async Task<IReadOnlyList<string>> NotFailedAsync() =>
        (await GetAsync("v1/members")).GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("state").GetString() is "alive" or "suspect")
            .Select(m => m.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The deliveries kept in <c>/v1/messages</c> (this process's lifetime, at most 1000).</summary>
    public async Task<IReadOnlyList<(string Id, string Payload, bool Recovered)>> MessagesAsync()
    {
        var messages = (await GetAsync("v1/messages?limit=1000")).GetProperty("messages");
        return messages.EnumerateArray()
            .Select(m => (
                m.GetProperty("id").GetString()!,
                System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(m.GetProperty("payload").GetString()!)),
                m.GetProperty("recovered").GetBoolean()))
            .ToList();
    }

    public async Task<IReadOnlyList<string>> PayloadsAsync()
    {
        var messages = (await GetAsync("v1/messages?limit=1000")).GetProperty("messages");
        return messages.EnumerateArray().Select(m => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(m.GetProperty("payload").GetString()!))).ToList();
    }

    public void Dispose() => Process.Dispose();

    public override string ToString() => $"{Name} ({Address}, http {HttpAddress}): {Process}";
}
