using System.Diagnostics;
using System.Globalization;
using System.Text;
using Plumtree.Agent.Tests.Support;
using Plumtree.Agent.Tests.Support.Hostile;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// Issue 13's hostile-input suite on real agent processes on loopback: three agents, a legitimate sender broadcasting
/// 20 messages a second through their HTTP APIs, and at the same time, bounded in count and time, malformed and
/// forged datagrams to every membership port (UDP), held and malformed connections to the membership port (TCP:
/// Plumtree streams and memberlist), and hostile requests to every admin API. Every legitimate message must reach
/// every agent exactly once, no agent may leave or be declared dead, the refusals must show in <c>/metrics</c>, and
/// no <c>/health</c> may be Unhealthy. The counts are printed as a table. Attack sockets are closed in <c>finally</c>;
/// the agents are stopped by their PIDs.
/// </summary>
[Trait("Category", "Hostile")]
[Collection(HostileCollection.Name)]
public sealed class HostileInputProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int UdpRounds = 300;
    private const int HeldHellos = 1100;
    private const int HeldHelloAddresses = 70;
    private const int HttpRounds = 12;
    private const int SlowRequests = 10;
    private const string Ghost = "hostile-ghost";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>How long the attack connections are held: past the hello deadline, the unknown-sender grace and the frame read deadline.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(12);

    private static readonly TimeSpan LegitInterval = TimeSpan.FromMilliseconds(50);

    private readonly TempDir _dir = new();
    private readonly List<LiveAgent> _agents = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var agent in Enumerable.Reverse(_agents))
        {
            agent.Dispose();
        }

        _dir.Dispose();
    }

    [Fact]
    public Task A_plain_cluster_delivers_every_legitimate_message_under_hostile_input() => RunAsync(encrypted: false);

    [Fact]
    public Task An_encrypted_cluster_delivers_every_legitimate_message_under_hostile_input() => RunAsync(encrypted: true);

    private async Task RunAsync(bool encrypted)
    {
        var environment = encrypted
            ? new Dictionary<string, string>(StringComparer.Ordinal) { ["PLUMTREE_ENCRYPTION_KEYS"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) }
            : null;
        var prefix = encrypted ? "hostile-k" : "hostile-p";
        var a = Start($"{prefix}-a", [], environment);
        var b = Start($"{prefix}-b", [a], environment);
        var c = Start($"{prefix}-c", [a], environment);
        LiveAgent[] agents = [a, b, c];
        string[] names = [a.Name, b.Name, c.Name];
        foreach (var agent in agents)
        {
            await agent.WaitForMembersAsync(names, Bound);
        }

        // Legitimate traffic first, until the tree carries it everywhere; then it goes on through the attack.
        var legit = new LegitSender(agents);
        var legitTask = legit.RunAsync(Ct);
        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(agents.Select(x => x.MessagesAsync()))).All(m => m.Count >= 3),
            ok => ok,
            Bound,
            "the first legitimate messages reach every agent",
            Ct);

        var log = new AttackLog();
        var ghostSeen = false;
        var injectedDelivered = false;
        var injected = "injected by a stranger " + Guid.NewGuid().ToString("N");
        var started = Stopwatch.GetTimestamp();
        using (var streams = new HostileStreams(log))
        using (var http = new HostileHttp(log))
        {
            try
            {
                var attacks = new List<Task>();
                attacks.AddRange(agents.Select((x, i) => HostileUdp.FloodAsync(x, UdpRounds, seed: 100 + i, log, Ct)));
                attacks.Add(SpoofMemberAsync());
                attacks.Add(InjectAsync(streams));
                attacks.Add(streams.HoldHellosAsync(b, HeldHellos, HeldHelloAddresses, Ct));
                attacks.Add(streams.HalfFramesAsync(a, "intruder-frames", 30, "'P' 00 + hello (non-member) + 60 KB header, 10 bytes", Ct));
                attacks.Add(streams.HalfFramesAsync(a, c.Name, 10, "'P' 00 + hello naming a member + 60 KB header, 10 bytes", Ct));
                attacks.Add(streams.SilentAsync(c, 100, Ct));
                attacks.Add(streams.NoiseAfterPrefixAsync(c, 100, seed: 7, Ct));
                attacks.Add(streams.MemberlistGarbageAsync(a, 100, seed: 8, Ct));
                attacks.AddRange(agents.Select(x => http.RequestsAsync(x, HttpRounds, Ct)));
                attacks.AddRange(agents.Select(x => http.SlowAsync(x, SlowRequests, Ct)));
                await Task.WhenAll(attacks);

                // The attack's duration (not a synchronisation): the connections stay held until Hold has passed.
                var remaining = Hold - Stopwatch.GetElapsedTime(started);
                if (remaining > TimeSpan.Zero)
                {
                    await Task.Delay(remaining, Ct);
                }

                streams.RecordOutcomes();
                http.RecordSlowOutcomes();
            }
            finally
            {
                streams.Dispose();
                http.Dispose();
            }
        }

        var attackTime = Stopwatch.GetElapsedTime(started);
        var (ids, failures) = await legit.StopAsync(legitTask);

        // Every legitimate message on every agent (generous bound: a loaded machine), then exactly once.
        var delivered = new Dictionary<string, IReadOnlyList<(string Id, string Payload, bool Recovered)>>(StringComparer.Ordinal);
        string? timeout = null;
        try
        {
            foreach (var agent in agents)
            {
                delivered[agent.Name] = await Eventually.UntilAsync(agent.MessagesAsync, m => ids.All(m.Select(x => x.Id).ToHashSet(StringComparer.Ordinal).Contains), Bound * 1.5, $"{agent.Name} delivers every legitimate message", Ct);
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            timeout = e.Message;
            foreach (var agent in agents.Where(x => !delivered.ContainsKey(x.Name) && !x.Process.HasExited))
            {
                delivered[agent.Name] = await agent.MessagesAsync();
            }
        }

        var report = await ReportAsync(agents, log, ids, failures, delivered, attackTime);
        output.WriteLine(report.Table);
        output.WriteLine($"The injected Gossip frame was delivered on: {string.Join(", ", agents.Where(x => delivered.GetValueOrDefault(x.Name, []).Any(m => m.Payload == injected)).Select(x => x.Name).DefaultIfEmpty("none"))}");

        Assert.Null(timeout);
        Assert.All(agents, x => Assert.False(x.Process.HasExited, $"{x.Name} exited: {x}"));
        Assert.Empty(failures);
        Assert.True(ids.Count >= 50, $"only {ids.Count} legitimate messages were sent");
        foreach (var agent in agents)
        {
            var counts = delivered[agent.Name].GroupBy(m => m.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            Assert.Empty(ids.Where(id => counts.GetValueOrDefault(id) != 1).Select(id => $"{agent.Name}: {id} x{counts.GetValueOrDefault(id)}"));
            Assert.DoesNotContain(delivered[agent.Name], m => m.Payload.Contains(HostileHttp.CsrfPayload, StringComparison.Ordinal));

            // Still members everywhere: nobody left, nobody declared dead.
            Assert.Equal(names, (await agent.MembersAsync()).Intersect(names, StringComparer.Ordinal).Order(StringComparer.Ordinal));
            Assert.Empty((await agent.MembersAsync("left")).Intersect(names, StringComparer.Ordinal));
            Assert.Empty((await agent.MembersAsync("dead")).Intersect(names, StringComparer.Ordinal));
            var (_, status, message) = await agent.HealthAsync();
            Assert.True(status != "Unhealthy", $"{agent.Name} /health {status}: {message}");
        }

        // A client too slow to send its body is answered 408 (Kestrel's minimum data rate), never 500.
        Assert.Equal(0, log["http", "slow/half requests, held"].Count("500"));

        // The refusals are counted where they happened.
        foreach (var agent in agents)
        {
            var m = report.Metrics[agent.Name];
            Assert.True(m.Decode.Values.Sum() > 0, $"{agent.Name}: no decode errors counted");
            foreach (var reason in new[] { "host", "origin", "fetch_site", "content_type" })
            {
                Assert.True(m.Http.GetValueOrDefault(reason) > 0, $"{agent.Name}: no HTTP refusal counted for {reason}");
            }

            Assert.True(m.Refused.Values.Sum() > 0, $"{agent.Name}: no refused connection counted");
        }

        var held = report.Metrics[b.Name].Refused;
        if (encrypted)
        {
            Assert.True(held.GetValueOrDefault("not_encrypted") >= HeldHellos / 2, $"{b.Name}: plaintext hellos refused {held.GetValueOrDefault("not_encrypted")}");
            Assert.False(ghostSeen, "a forged alive added a member to an encrypted cluster");
            Assert.False(injectedDelivered);
            Assert.All(agents, x => Assert.DoesNotContain(delivered[x.Name], m => m.Payload == injected));
            foreach (var agent in agents)
            {
                Assert.DoesNotContain(Ghost, (await agent.GetAsync("v1/members")).GetProperty("members").EnumerateArray().Select(x => x.GetProperty("name").GetString()));
            }
        }
        else
        {
            Assert.True(held.GetValueOrDefault("unknown_sender") + held.GetValueOrDefault("evicted") + held.GetValueOrDefault("per_source_limit") >= HeldHellos / 2, $"{b.Name}: held hellos refused {string.Join(", ", held)}");

            // Plain mode: a forged alive adds a member (issue 13, finding 4; docs/security.md "Threat model").
            Assert.True(ghostSeen, "the forged alive (plain mode) was expected to add a member");

            // Plain mode: a stream whose hello names a member speaks for it (docs/security.md "Threat model").
            Assert.True(injectedDelivered, "the injected Gossip frame (plain mode) was expected to be delivered");
        }

        async Task InjectAsync(HostileStreams streams)
        {
            await streams.InjectAsync(a, b.Name, injected, Ct);
            if (!encrypted)
            {
                await Eventually.UntilAsync(a.PayloadsAsync, p => p.Contains(injected), Bound, $"{a.Name} delivers the injected message", Ct);
                injectedDelivered = true;
                log["tcp", "'P' 00 + hello naming a member + Gossip frame (injection)"].Saw("delivered as the member's");
            }
        }

        async Task SpoofMemberAsync()
        {
            await HostileUdp.SpoofMemberAsync(b, Ghost, log, Ct);
            if (!encrypted)
            {
                await Eventually.UntilAsync(
                    async () => (await b.GetAsync("v1/members")).GetProperty("members").EnumerateArray().Any(x => x.GetProperty("name").GetString() == Ghost),
                    seen => seen,
                    Bound,
                    $"{b.Name} lists the forged member",
                    Ct);
                ghostSeen = true;
                log["udp", "alive, valid Vsn (fake member)"].Saw("listed as a member");
            }
        }
    }

    private LiveAgent Start(string name, IEnumerable<LiveAgent> seeds, IDictionary<string, string>? environment)
    {
        var agent = LiveAgent.Start(name, _dir, seeds, environment: environment);
        _agents.Add(agent);
        return agent;
    }

    private static async Task<Report> ReportAsync(
        IReadOnlyList<LiveAgent> agents,
        AttackLog log,
        IReadOnlyList<string> ids,
        IReadOnlyList<string> failures,
        IReadOnlyDictionary<string, IReadOnlyList<(string Id, string Payload, bool Recovered)>> delivered,
        TimeSpan attackTime)
    {
        var table = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        table.AppendLine(invariant, $"Hostile input: {log.Total} attacks in {attackTime.TotalSeconds:F1} s against {agents.Count} agents; {ids.Count} legitimate broadcasts ({failures.Count} failed)");
        table.AppendLine();
        table.AppendLine("| surface | attack | tried | the attacker saw |");
        table.AppendLine("|---|---|---:|---|");
        foreach (var tally in log.All)
        {
            table.AppendLine(invariant, $"| {tally.Surface} | {tally.Attack} | {tally.Tried} | {tally.Outcomes} |");
        }

        table.AppendLine();
        table.AppendLine("| agent | connections_refused{reason} | decode_errors{layer} | dropped{reason} | agent_http_refused{reason} | legit delivered (exactly once) | health |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        var metrics = new Dictionary<string, AgentMetrics>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            if (agent.Process.HasExited)
            {
                table.AppendLine(invariant, $"| {agent.Name} | exited ({agent.Process.Pid}) | | | | | |");
                metrics[agent.Name] = new AgentMetrics(new Dictionary<string, double>(), new Dictionary<string, double>(), new Dictionary<string, double>(), new Dictionary<string, double>());
                continue;
            }

            var text = await agent.MetricsAsync();
            string[] node = [$"node={agent.Name}"];
            var m = new AgentMetrics(
                MetricsText.SumBy(text, "plumtree_connections_refused_total", "reason", node),
                MetricsText.SumBy(text, "plumtree_decode_errors_total", "layer", node),
                MetricsText.SumBy(text, "plumtree_dropped_total", "reason", node),
                MetricsText.SumBy(text, "plumtree_agent_http_refused_total", "reason", []));
            metrics[agent.Name] = m;
            var counts = delivered.GetValueOrDefault(agent.Name, []).GroupBy(x => x.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var once = ids.Count(id => counts.GetValueOrDefault(id) == 1);
            var health = await agent.HealthAsync();
            table.AppendLine(invariant, $"| {agent.Name} | {Format(m.Refused)} | {Format(m.Decode)} | {Format(m.Dropped)} | {Format(m.Http)} | {once}/{ids.Count} | {health.Status} |");
        }

        return new Report(table.ToString(), metrics);
    }

    private static string Format(IReadOnlyDictionary<string, double> series) =>
        series.Count == 0 ? "-" : string.Join(" ", series.Where(s => s.Value > 0).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key}={s.Value}")));

    private sealed record AgentMetrics(
        IReadOnlyDictionary<string, double> Refused,
        IReadOnlyDictionary<string, double> Decode,
        IReadOnlyDictionary<string, double> Dropped,
        IReadOnlyDictionary<string, double> Http);

    private sealed record Report(string Table, IReadOnlyDictionary<string, AgentMetrics> Metrics);

    /// <summary>Broadcasts <c>legit N</c> every 50 ms through the agents' HTTP APIs in turn, until stopped.</summary>
    private sealed class LegitSender(IReadOnlyList<LiveAgent> agents)
    {
        private readonly List<string> _ids = [];
        private readonly List<string> _failures = [];
        private readonly CancellationTokenSource _stop = new();

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
            using var timer = new PeriodicTimer(LegitInterval);
            var i = 0;
            try
            {
                while (await timer.WaitForNextTickAsync(linked.Token))
                {
                    var from = agents[i % agents.Count];
                    try
                    {
                        _ids.Add(await from.BroadcastAsync($"legit {i}"));
                    }
                    catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException && !linked.IsCancellationRequested)
                    {
                        _failures.Add($"legit {i} via {from.Name}: {e.Message}");
                    }

                    i++;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped.
            }
        }

        public async Task<(IReadOnlyList<string> Ids, IReadOnlyList<string> Failures)> StopAsync(Task running)
        {
            await _stop.CancelAsync();
            await running;
            _stop.Dispose();
            return (_ids, _failures);
        }
    }
}
