using System.Diagnostics;
using System.Text.Json;
using Plumtree.Agent.Tests.Support;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// <c>plumtree-bench versus</c> at N=3 with a few messages, plumtree and the Go memberlist broadcast-queue agents (no
/// Serf, no timing asserted): each runs in a network namespace of its own, it prints one JSON object of the documented
/// shape, every message reaches every plumtree node, the memberlist column is measured the same way and nothing it
/// started is left running.
/// </summary>
public sealed class VersusBenchSmokeTests
{
    [Fact]
    public async Task Versus_at_three_nodes_prints_its_json_and_delivers_everything()
    {
        var plumtree = Path.Combine(Path.GetDirectoryName(Paths.PlumtreeDll)!, "plumtree");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Paths.PlumtreeBenchDll, "versus", "--nodes", "3", "--messages", "6", "--rate", "20", "--no-serf", "--memberlist", "--plumtree", plumtree,
            "--idle-after", "1", "--idle-window", "1", "--drain", "30", "--settle", "0", "--timeout", "100",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var bench = Process.Start(start)!;
        var stdout = bench.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = bench.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            bound.CancelAfter(TimeSpan.FromSeconds(300)); // includes the first go build of the memberlist agent
            try
            {
                await bench.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                bench.Kill(entireProcessTree: true);
                throw;
            }
        }

        var output = await stdout;
        Assert.True(bench.ExitCode == 0, $"exit {bench.ExitCode}\n{output}\n{await stderr}");
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("versus", root.GetProperty("benchmark").GetString());
        Assert.Equal(3, root.GetProperty("nodes").GetInt32());
        Assert.True(root.GetProperty("machine").TryGetProperty("load_average_1m_before", out _));

        var ours = root.GetProperty("systems").GetProperty("plumtree");
        Assert.False(ours.TryGetProperty("error", out var error), error.ToString());
        Assert.True(ours.GetProperty("converged").GetBoolean());
        var delivery = ours.GetProperty("delivery");
        Assert.Equal(6, delivery.GetProperty("sent").GetInt32());
        Assert.Equal(18, delivery.GetProperty("expected").GetInt32());
        Assert.Equal(18, delivery.GetProperty("delivered").GetInt32());
        Assert.Equal(1.0, delivery.GetProperty("ratio").GetDouble());
        Assert.Equal(6, ours.GetProperty("time_to_all_ms").GetProperty("messages").GetInt32());
        foreach (var path in new[]
        {
            "time_to_all_ms.p50", "time_to_all_ms.p99", "time_to_all_ms.max", "cpu_s.agents", "cpu_s.handlers", "loopback.per_delivered_payload_byte",
            "idle.cpu_core_per_node", "idle.rss_mb_per_node", "idle.threads_per_node", "rss_mb.after_run_per_node", "startup_ms.p50", "startup_ms.max",
            "convergence_ms", "load_average_1m.mean",
        })
        {
            var node = path.Split('.').Aggregate(ours, (e, part) => e.GetProperty(part));
            Assert.True(node.ValueKind == JsonValueKind.Number, $"{path} is {node.ValueKind}");
        }

        // Its agents were killed by PID: nothing runs from its work directory any more.
        var work = "plumtree-versus-" + bench.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var left = Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).Where(d =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(work, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }).ToList();
        Assert.Empty(left);

        // The Go memberlist agents (built from Versus/go-memberlist against Debian's memberlist source): the same shape,
        // and ratios against them. Their queue gives no delivery guarantee, so only that it delivered is asserted.
        Assert.StartsWith("0.", root.GetProperty("memberlist_version").GetString());
        var memberlist = root.GetProperty("systems").GetProperty("memberlist");
        Assert.False(memberlist.TryGetProperty("error", out error), error.ToString());
        Assert.True(memberlist.GetProperty("converged").GetBoolean());
        Assert.Equal(6, memberlist.GetProperty("delivery").GetProperty("sent").GetInt32());
        Assert.InRange(memberlist.GetProperty("delivery").GetProperty("delivered").GetInt32(), 6, 18);
        Assert.True(memberlist.GetProperty("idle").GetProperty("rss_mb_per_node").GetDouble() > 0);
        var ratio = root.GetProperty("ratios").GetProperty("plumtree/memberlist").GetProperty("idle.rss_mb_per_node");
        Assert.Equal(JsonValueKind.Number, ratio.ValueKind);

        // The handler ran on every node for every message (its children's CPU is counted apart from the agents').
        Assert.True(ours.GetProperty("cpu_s").GetProperty("handlers").GetDouble() >= 0);
        Assert.True(ours.GetProperty("loopback").GetProperty("tx_bytes").GetInt64() > 0);
    }
}
