using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plumtree.ClusterBench.Scale;

namespace Plumtree.ClusterBench.Versus;

/// <summary>
/// <c>plumtree-bench versus</c>: the plumtree agent (JIT, and Native AOT when given) against Serf (and Go memberlist's
/// broadcast queue with <c>--memberlist</c>), one system after the
/// other, each in a network namespace of its own (<c>unshare -n</c>: its own <c>lo</c>, so the loopback byte counter
/// counts that system only), the same workload and the same compiled handler. Prints one JSON object.
/// </summary>
internal static class Versus
{
    public static async Task<int> MainAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        VersusSettings settings;
        try
        {
            settings = VersusSettings.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        var plumtree = settings.Plumtree ?? DefaultPlumtree();
        if (!File.Exists(plumtree))
        {
            await Console.Error.WriteLineAsync($"no plumtree executable at {plumtree}: build src/Plumtree.Agent.Launcher -c Release or pass --plumtree PATH");
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), "plumtree-versus-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        try
        {
            var handler = CompileHandler(work);
            var systems = new List<(string Name, string? Agent)> { ("plumtree", plumtree) };
            if (settings.PlumtreeAot is { } aot)
            {
                systems.Add(("plumtree_aot", aot));
            }

            var serfVersion = SerfSystem.Version();
            if (settings.Serf && serfVersion != "missing")
            {
                systems.Add(("serf", null));
            }

            if (settings.Memberlist)
            {
                systems.Add(("memberlist", settings.MemberlistBinary ?? await GoPeerBuild.BuildAsync(Path.Combine("Versus", "go-memberlist"), "mlagent", cancellationToken)));
            }

            var results = new JsonObject();
            var loadBefore = ProcFs.LoadAverage();
            foreach (var (name, agent) in systems)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results[name] = await RunOneAsync(settings, name, agent, Path.Combine(work, name), handler, cancellationToken);
            }

            var output = new JsonObject
            {
                ["benchmark"] = "versus",
                ["nodes"] = settings.Nodes,
                ["messages"] = settings.Messages,
                ["rate_per_s"] = settings.Rate,
                ["payload_bytes"] = settings.Payload,
                ["machine"] = new JsonObject
                {
                    ["cores"] = Environment.ProcessorCount,
                    ["load_average_1m_before"] = loadBefore,
                    ["load_average_1m_after"] = ProcFs.LoadAverage(),
                },
                ["serf_version"] = serfVersion,
                ["memberlist_version"] = settings.Memberlist ? MemberlistSystem.Version() : null,
                ["plumtree_env"] = new JsonArray(settings.PlumtreeEnv.Select(e => (JsonNode?)e).ToArray()),
                ["systems"] = results,
            };
            var ratios = new JsonObject();
            foreach (var baseline in new[] { "serf", "memberlist" })
            {
                if (results[baseline] is JsonObject other)
                {
                    foreach (var (name, _) in systems.Where(s => s.Name.StartsWith("plumtree", StringComparison.Ordinal) || (baseline == "serf" && s.Name == "memberlist")))
                    {
                        ratios[name + "/" + baseline] = Ratios((JsonObject)results[name]!, other);
                    }
                }
            }

            if (ratios.Count > 0)
            {
                output["ratios"] = ratios;
            }

            Console.WriteLine(output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return results.All(r => r.Value?["error"] is null) ? 0 : 1;
        }
        finally
        {
            if (!settings.Keep)
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException e)
                {
                    VersusRun.Log($"cannot remove {work}: {e.Message}");
                }
            }
            else
            {
                VersusRun.Log($"work directory kept: {work}");
            }
        }
    }

    /// <summary>The child side: <c>versus-run --system NAME [--agent PATH] --work DIR --handler PATH</c> plus the settings' flags.</summary>
    public static async Task<int> RunChildAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        string? name = null, agent = null, work = null, handler = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--system": name = args[++i]; break;
                case "--agent": agent = args[++i]; break;
                case "--work": work = args[++i]; break;
                case "--handler": handler = args[++i]; break;
                default: rest.Add(args[i]); break;
            }
        }

        var settings = VersusSettings.Parse(rest);
        if (name is null || work is null || handler is null)
        {
            throw new ArgumentException("versus-run needs --system, --work and --handler");
        }

        using AgentSystem system = (name, agent) switch
        {
            ("serf", _) => new SerfSystem(),
            ("memberlist", { } binary) => new MemberlistSystem(binary),
            (_, { } executable) => new PlumtreeSystem(name, executable, settings.PlumtreeEnv),
            _ => throw new ArgumentException($"versus-run --system {name} needs --agent"),
        };
        var result = await new VersusRun(settings, system, work, handler).RunAsync(cancellationToken);
        Console.WriteLine(result.ToJsonString());
        return 0;
    }

    private static async Task<JsonNode> RunOneAsync(VersusSettings settings, string name, string? agent, string work, string handler, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(work);
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add("--");
        foreach (var part in SelfCommand())
        {
            start.ArgumentList.Add(part);
        }

        start.ArgumentList.Add("versus-run");
        foreach (var a in new[] { "--system", name, "--work", work, "--handler", handler }.Concat(agent is null ? [] : ["--agent", agent]).Concat(settings.ToArgs()))
        {
            start.ArgumentList.Add(a);
        }

        VersusRun.Log($"{name}: starting {settings.Nodes} agents in a new network namespace");
        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot run unshare");
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(settings.Timeout));
        try
        {
            var stdout = child.StandardOutput.ReadToEndAsync(bound.Token);
            await child.WaitForExitAsync(bound.Token);
            var text = (await stdout).Trim();
            var json = text.Split('\n')[^1];
            return json.StartsWith('{') ? JsonNode.Parse(json)! : new JsonObject { ["system"] = name, ["error"] = $"versus-run exited {child.ExitCode} without a result" };
        }
        catch (OperationCanceledException)
        {
            return new JsonObject { ["system"] = name, ["error"] = cancellationToken.IsCancellationRequested ? "cancelled" : $"timed out after {settings.Timeout} s" };
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            KillListed(Path.Combine(work, "pids"));
        }
    }

    /// <summary>Kills (by PID) every agent the child recorded that is still running: the child may have died before its own cleanup.</summary>
    private static void KillListed(string pidFile)
    {
        if (!File.Exists(pidFile))
        {
            return;
        }

        foreach (var line in File.ReadAllLines(pidFile))
        {
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                using var p = Process.GetProcessById(pid);
                VersusRun.Log($"killing leftover agent {pid} ({p.ProcessName})");
                p.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    private static JsonObject Ratios(JsonObject ours, JsonObject serf)
    {
        var ratios = new JsonObject();
        foreach (var path in new[]
        {
            "delivery.ratio", "time_to_all_ms.p50", "time_to_all_ms.p99", "time_to_all_ms.max", "cpu_s.agents", "cpu_s.agents_per_delivered_ms",
            "cpu_s.handlers", "loopback.per_delivered_payload_byte", "idle.cpu_core_per_node", "idle.rss_mb_per_node", "idle.pss_mb_per_node", "idle.threads_per_node",
            "rss_mb.after_run_per_node", "rss_mb.peak_max", "startup_ms.p50", "startup_ms.max", "convergence_ms",
        })
        {
            var a = Get(ours, path);
            var b = Get(serf, path);
            ratios[path] = a is null || b is null || b == 0 ? null : VersusRun.Round(a.Value / b.Value, 3);
        }

        return ratios;
    }

    private static double? Get(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
    }

    private static string CompileHandler(string work)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Versus", "handler.c");
        var output = Path.Combine(work, "bench-handler");
        var start = new ProcessStartInfo("cc", ["-O2", "-o", output, source]) { RedirectStandardError = true, UseShellExecute = false };
        using var cc = Process.Start(start) ?? throw new InvalidOperationException("cannot run cc");
        var error = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        return cc.ExitCode == 0 ? output : throw new InvalidOperationException($"cc {source}: {error}");
    }

    private static IEnumerable<string> SelfCommand()
    {
        var self = Environment.ProcessPath ?? "dotnet";
        yield return self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            yield return Path.Combine(AppContext.BaseDirectory, "plumtree-bench.dll");
        }
    }

    private static string DefaultPlumtree()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Plumtree.slnx")))
            {
                return Path.Combine(dir.FullName, "src", "Plumtree.Agent.Launcher", "bin", "Release", "net10.0", "plumtree");
            }
        }

        return "plumtree";
    }
}
