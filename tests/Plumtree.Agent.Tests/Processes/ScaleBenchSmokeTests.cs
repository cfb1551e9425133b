using System.Diagnostics;
using System.Text.Json;
using Plumtree.Agent.Tests.Support;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// <c>plumtree-bench scale</c> at 6 of our nodes and 2 Go memberlist peers (built from the interop tests' Go program
/// against Debian's memberlist source), short windows, no timing asserted: the mixed cluster converges, every broadcast
/// reaches every one of our nodes, every remaining node (ours and Go) declares the killed node of ours and the killed
/// Go peer dead, and no Go peer is left running.
/// </summary>
public sealed class ScaleBenchSmokeTests
{
    [Fact]
    public async Task Scale_with_go_peers_converges_delivers_and_every_node_detects_both_kills()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Paths.PlumtreeBenchDll, "scale", "--nodes", "6", "--go-peers", "2", "--rate", "20", "--seconds", "2", "--settle", "0",
            "--idle-window", "1", "--detect-timeout", "120", "--form-timeout", "120",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var bench = Process.Start(start)!;
        var stdout = bench.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = bench.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            bound.CancelAfter(TimeSpan.FromSeconds(420));
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
        Assert.Equal("scale", root.GetProperty("benchmark").GetString());
        Assert.Equal(6, root.GetProperty("nodes").GetInt32());
        Assert.Equal(2, root.GetProperty("go_peers").GetInt32());
        Assert.True(root.GetProperty("convergence").GetProperty("converged").GetBoolean());

        var broadcast = root.GetProperty("broadcast");
        Assert.True(broadcast.GetProperty("messages").GetInt32() > 0);
        Assert.Equal(1.0, broadcast.GetProperty("delivery_ratio").GetDouble());

        foreach (var path in new[]
        {
            "idle.ours_cpu_ms_per_node_per_s", "idle.go_cpu_ms_per_node_per_s", "idle.load_average_1m_start",
            "broadcast.rmr", "broadcast.time_to_all_ms.max", "broadcast.window.ours_cpu_ms_per_node_per_s",
            "convergence.ours_see_all_alive_ms", "convergence.go_see_all_alive_ms",
        })
        {
            var node = path.Split('.').Aggregate(root, (e, part) => e.GetProperty(part));
            Assert.True(node.ValueKind == JsonValueKind.Number, $"{path} is {node.ValueKind}");
        }

        // The ratio is there exactly when the Go peers used measurable CPU: in a 1 s window two idle Go peers may use
        // less than one clock tick (10 ms) of /proc/PID/stat, and a ratio over 0 is no figure.
        var idle = root.GetProperty("idle");
        var ratio = idle.GetProperty("ours_over_go");
        Assert.Equal(idle.GetProperty("go_cpu_ms_per_node_per_s").GetDouble() > 0 ? JsonValueKind.Number : JsonValueKind.Null, ratio.ValueKind);

        // Killed node of ours: the 5 others and both Go peers declare it dead. Killed Go peer: our 5 and the other Go peer.
        foreach (var (kill, ours, go) in new[] { ("detect_killed_ours", 5, 2), ("detect_killed_go", 5, 1) })
        {
            var detect = root.GetProperty(kill);
            Assert.Equal(ours, detect.GetProperty("ours").GetProperty("declared_dead").GetInt32());
            Assert.Equal(go, detect.GetProperty("go").GetProperty("declared_dead").GetInt32());
            Assert.Equal(JsonValueKind.Number, detect.GetProperty("ours").GetProperty("all_ms").ValueKind);
            Assert.Equal(JsonValueKind.Number, detect.GetProperty("go").GetProperty("all_ms").ValueKind);
        }

        // Its Go peers were killed: no mlnode it built runs any more.
        var left = Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).Where(d =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(d, "cmdline")).Contains("plumtree-bench-go", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }).ToList();
        Assert.Empty(left);
    }
}
