using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Plumtree.Simulator.Tests;

[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>The command-line contract scripts depend on. These redirect the process console, so they run alone.</summary>
[Collection("Console")]
public sealed class CliTests
{
    private static (int Exit, string Out, string Err) Invoke(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var main = typeof(Program).GetMethod("Main", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
            var exit = (int)main.Invoke(null, [args])!;
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void Paper_json_prints_one_object_with_every_contract_property()
    {
        var (exit, output, error) = Invoke("paper", "--scenario", "kill", "--kill-percent", "20", "--nodes", "200", "--cycles", "14", "--warmup", "10",
            "--senders", "many", "--mode", "flood", "--optimization", "off", "--seed", "3", "--json");

        Assert.True(exit == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        string[] required =
        [
            "nodes", "cycles", "warmup", "seed", "mode", "senders", "scenario", "reliability_min", "reliability_mean", "rmr_mean", "rmr_max",
            "ldh_mean", "ldh_max", "payload_per_broadcast", "control_per_broadcast", "first_after_failure_reliability", "healing_cycles",
            "wall_seconds", "peak_memory_bytes", "per_cycle",
        ];
        Assert.All(required, name => Assert.True(root.TryGetProperty(name, out _), $"missing {name}"));
        Assert.Equal(200, root.GetProperty("nodes").GetInt32());
        Assert.Equal("flood", root.GetProperty("mode").GetString());
        Assert.Equal("many", root.GetProperty("senders").GetString());
        Assert.Equal("kill", root.GetProperty("scenario").GetString());
        Assert.Equal(14, root.GetProperty("per_cycle").GetArrayLength());
        foreach (var cycle in root.GetProperty("per_cycle").EnumerateArray())
        {
            Assert.All(["cycle", "reliability", "rmr", "ldh", "payload", "control"], name => Assert.True(cycle.TryGetProperty(name, out _), $"per_cycle lacks {name}"));
        }

        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public void The_same_command_prints_the_same_bytes_apart_from_wall_time_and_memory()
    {
        string[] args = ["paper", "--scenario", "churn", "--churn-per-cycle", "2", "--nodes", "150", "--cycles", "20", "--warmup", "5", "--senders", "many", "--mode", "flood", "--seed", "9", "--json"];

        static string Strip(string json)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
            node.Remove("wall_seconds");
            node.Remove("peak_memory_bytes");
            return node.ToJsonString();
        }

        Assert.Equal(Strip(Invoke(args).Out), Strip(Invoke(args).Out));
    }

    [Fact]
    public void Paper_with_sync_prints_the_sync_and_consistency_figures()
    {
        var (exit, output, error) = Invoke("paper", "--scenario", "partition", "--partition", "2@5", "--nodes", "60", "--cycles", "40", "--warmup", "5",
            "--senders", "groups", "--sync", "--sync-interval-cycles", "5", "--sync-reinject", "--partition-views", "split", "--json");

        Assert.True(exit == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("groups", root.GetProperty("senders").GetString());
        Assert.Equal("split", root.GetProperty("partition_views").GetString());
        Assert.True(root.GetProperty("sync_reinject").GetBoolean());
        Assert.Equal(5000, root.GetProperty("sync").GetProperty("interval_ms").GetInt64());
        Assert.All(
            ["total", "at_partition", "at_heal", "bytes_per_node_mean", "bytes_after_heal_per_node_max", "recovered_deliveries", "reinjected"],
            name => Assert.True(root.GetProperty("sync").TryGetProperty(name, out _), $"sync lacks {name}"));
        var consistency = root.GetProperty("consistency");
        Assert.Equal(0, consistency.GetProperty("missing_pairs").GetInt64());
        Assert.True(consistency.TryGetProperty("seconds_to_consistency", out _));
        Assert.Equal(0, root.GetProperty("diagnostics").GetProperty("duplicate_deliveries").GetInt64());

        var (_, text, _) = Invoke("paper", "--scenario", "partition", "--partition", "2@5", "--nodes", "60", "--cycles", "40", "--warmup", "5",
            "--senders", "groups", "--sync");
        Assert.Contains("full consistency", text, StringComparison.Ordinal);
        Assert.Contains("duplicate deliveries 0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Timings_go_to_stderr_and_leave_the_JSON_alone()
    {
        string[] args = ["paper", "--nodes", "120", "--cycles", "6", "--warmup", "1", "--seed", "3", "--json"];

        var plain = Invoke(args);
        var timed = Invoke([.. args, "--timings"]);

        Assert.Equal((0, 0), (plain.Exit, timed.Exit));
        Assert.Equal(StripVolatile(plain.Out), StripVolatile(timed.Out));
        Assert.Contains("timings: join", timed.Err, StringComparison.Ordinal);
        Assert.Contains("ms CPU per cycle", timed.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("timings", plain.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_documents_the_event_mode_options()
    {
        var (_, output, _) = Invoke("paper", "--help");

        Assert.Contains("--latency-ms", output, StringComparison.Ordinal);
        Assert.Contains("--loss", output, StringComparison.Ordinal);
        Assert.Contains("--event", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--mode", "gossip")]
    [InlineData("--senders", "few")]
    [InlineData("--scenario", "meteor")]
    public void Unknown_choices_are_refused(string option, string value)
    {
        var (exit, _, error) = Invoke("paper", option, value, "--nodes", "50", "--cycles", "2", "--warmup", "0");

        Assert.NotEqual(0, exit);
        Assert.Contains(value, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_values_are_refused_with_the_option_named()
    {
        var (exit, _, error) = Invoke("paper", "--mode", "flood", "--nodes", "50", "--cycles", "5", "--warmup", "9");

        Assert.Equal(2, exit);
        Assert.Contains("--warmup", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_writes_markdown_tables_and_well_formed_svg_plots()
    {
        var dir = Path.Combine(Path.GetTempPath(), "plumtree-sim-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, _, error) = Invoke("report", "--out", dir, "--seeds", "2", "--nodes", "200", "--cycles", "30", "--warmup", "5",
                "--kill-cycles", "3", "--kill-percents", "20,60", "--variants", "eager");

            Assert.True(exit == 0, error);
            var markdown = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("## 1. Stable environment", markdown, StringComparison.Ordinal);
            Assert.Contains("## 2. Constant churn", markdown, StringComparison.Ordinal);
            Assert.Contains("## 3. Massive failure", markdown, StringComparison.Ordinal);
            Assert.Contains("*39,984*", markdown, StringComparison.Ordinal); // the paper's eager payload beside ours
            var svgs = Directory.GetFiles(dir, "*.svg");
            Assert.True(svgs.Length >= 6);
            Assert.All(svgs, svg =>
            {
                var xml = System.Xml.Linq.XDocument.Load(svg);
                Assert.Equal("svg", xml.Root!.Name.LocalName);
                Assert.Contains(Path.GetFileName(svg), markdown, StringComparison.Ordinal);
            });
            Assert.Contains("## 4. Event mode", markdown, StringComparison.Ordinal);
            Assert.Equal(2 * 5, Directory.GetFiles(Path.Combine(dir, "runs"), "*.json").Length); // (stable, churn, kill 20, kill 60, event) × 2 seeds
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void Report_loss_section_shows_the_repair_rounds_acting_as_counted_in_each_runs_JSON()
    {
        var dir = Path.Combine(Path.GetTempPath(), "plumtree-sim-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, _, error) = Invoke("report", "--out", dir, "--seeds", "1", "--nodes", "300", "--cycles", "30", "--warmup", "5",
                "--scenarios", "loss", "--loss-percents", "20");

            Assert.True(exit == 0, error);
            var markdown = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("Frame loss: graft repair rounds", markdown, StringComparison.Ordinal);
            Assert.Contains("only anti-entropy", markdown, StringComparison.Ordinal);
            Assert.DoesNotContain("## 1. Stable environment", markdown, StringComparison.Ordinal);

            var runs = Directory.GetFiles(Path.Combine(dir, "runs"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["loss-20-rounds0-opt-ss-seed1.json", "loss-20-rounds3-opt-ss-seed1.json"], runs);
            var on = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "loss-20-rounds3-opt-ss-seed1.json")))!;
            var off = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "loss-20-rounds0-opt-ss-seed1.json")))!;
            Assert.Equal(0.2, (double)on["loss"]!);
            Assert.Equal(3, (int)on["graft_repair_rounds"]!);
            Assert.Equal(0, (int)off["graft_repair_rounds"]!);
            var roundsOn = (long)on["diagnostics"]!["engine_repair_rounds"]!;
            Assert.True(roundsOn > 0, "with 20% frame loss some rounds of grafts fail and repair rounds start");
            Assert.Equal(0, (long)off["diagnostics"]!["engine_repair_rounds"]!);

            // The table's columns: protocol, loss %, rounds, reliability mean, min, RMR, LDH, grafts sent, repair rounds, given up.
            string[] Row(string rounds)
            {
                var line = markdown.Split('\n').Single(l => l.StartsWith($"| Plumtree-Opt s-s | 20 | {rounds} |", StringComparison.Ordinal));
                return [.. line.Split('|', StringSplitOptions.TrimEntries).Skip(1).SkipLast(1)];
            }

            var rowOn = Row("on (3)");
            var rowOff = Row("off (0)");
            Assert.Equal(roundsOn, double.Parse(rowOn[8], CultureInfo.InvariantCulture));
            Assert.Equal((long)on["diagnostics"]!["engine_graft_sent"]!, double.Parse(rowOn[7], CultureInfo.InvariantCulture));
            Assert.Equal(0, double.Parse(rowOff[8], CultureInfo.InvariantCulture));
            Assert.Equal((long)off["diagnostics"]!["engine_graft_failed"]!, double.Parse(rowOff[9], CultureInfo.InvariantCulture));
            Assert.Equal((long)on["diagnostics"]!["engine_graft_failed"]!, double.Parse(rowOn[9], CultureInfo.InvariantCulture));

            // The saved run is what `paper` prints for the same settings (apart from wall time and memory).
            var (paperExit, paperOut, paperError) = Invoke("paper", "--scenario", "stable", "--nodes", "300", "--cycles", "30", "--warmup", "5",
                "--senders", "single", "--mode", "plumtree", "--optimization", "on", "--seed", "1", "--loss", "0.2", "--json");
            Assert.True(paperExit == 0, paperError);
            Assert.Equal(StripVolatile(paperOut), StripVolatile(on.ToJsonString()));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void Report_refuses_bad_loss_options_with_the_option_named()
    {
        var (exit, _, error) = Invoke("report", "--out", Path.GetTempPath(), "--scenarios", "loss", "--loss-percents", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--loss-percents", error, StringComparison.Ordinal);

        (exit, _, error) = Invoke("report", "--out", Path.GetTempPath(), "--scenarios", "loss", "--loss-variants", "eager");
        Assert.Equal(2, exit);
        Assert.Contains("--loss-variants", error, StringComparison.Ordinal);
    }

    private static string StripVolatile(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        foreach (var name in Plumtree.Simulator.Output.ResultJson.VolatileProperties)
        {
            node.Remove(name);
        }

        return node.ToJsonString();
    }
}
