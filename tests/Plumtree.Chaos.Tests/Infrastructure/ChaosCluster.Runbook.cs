using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Plumtree.Testing;

namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>The runbook's checks (docs/operations/recovery.md), as an operator runs them on a node.</summary>
internal sealed partial class ChaosCluster
{
    /// <summary><c>nc -zv SEED 7946</c> from <paramref name="from"/>: true when a TCP connection to <paramref name="to"/>'s membership port opens within 2 s.</summary>
    public static async Task<bool> CanConnectAsync(ChaosNode from, ChaosNode to)
    {
        using var socket = NetNs.TcpSocketIn(from.Network.Namespace);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(to.Network.Address), MembershipPort, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException && !Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary><c>plumtree_eager_peers</c> and <c>plumtree_lazy_peers</c> of <paramref name="node"/> in its <c>/metrics</c>.</summary>
    public static async Task<(double Eager, double Lazy)> PeerGaugesAsync(ChaosNode node) =>
        (await node.Agent.GaugeAsync("plumtree_eager_peers"), await node.Agent.GaugeAsync("plumtree_lazy_peers"));

    /// <summary>
    /// Waits for the runbook's "Isolated node" symptoms on <paramref name="node"/>: both peer gauges 0 and
    /// <c>/health</c> 503 Unhealthy naming the isolation; returns how long they took to show, from <paramref name="clock"/>.
    /// </summary>
    public static async Task<TimeSpan> WaitIsolatedSymptomsAsync(ChaosNode node, Stopwatch clock)
    {
        await Eventually.UntilAsync(() => PeerGaugesAsync(node), g => g == (0, 0), Bound, $"{node.Name} reports plumtree_eager_peers 0 and plumtree_lazy_peers 0", Ct);
        var (code, _, message) = await Eventually.UntilAsync(node.Agent.HealthAsync, h => h.Status == "Unhealthy", Bound, $"{node.Name} /health Unhealthy", Ct);
        var elapsed = clock.Elapsed;
        Assert.Equal(503, code);
        Assert.Contains("No Plumtree peers", message, StringComparison.Ordinal);
        return elapsed;
    }

    /// <summary>Waits until <paramref name="node"/>'s <c>/health</c> answers 200 Healthy; then <c>plumtree health</c> there must exit 0.</summary>
    public async Task WaitHealthyAsync(ChaosNode node)
    {
        var (code, status, message) = await Eventually.UntilAsync(node.Agent.HealthAsync, h => h.Status == "Healthy", Bound, $"{node.Name} /health Healthy", Ct);
        Assert.True(code == 200, $"{node.Name} /health {code} {status}: {message}");
        await CliOkAsync(node, "health");
    }

    /// <summary>The names in <paramref name="node"/>'s <c>/debug/peers</c>: eager and lazy peers, and the members it holds alive.</summary>
    public static async Task<(IReadOnlyList<string> Eager, IReadOnlyList<string> Lazy, IReadOnlyList<string> Alive)> DebugPeersAsync(ChaosNode node)
    {
        var peers = await node.Agent.GetAsync("debug/peers");
        static List<string> Names(JsonElement array) => array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
        var alive = peers.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("state").GetString() == "alive")
            .Select(m => m.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)
            .ToList();
        return (Names(peers.GetProperty("eager")), Names(peers.GetProperty("lazy")), alive);
    }
}
