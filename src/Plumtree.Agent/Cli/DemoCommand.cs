using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Hosting;
using Plumtree.Hosting;
using Spectre.Console;

namespace Plumtree.Agent.Cli;

/// <summary>
/// <c>plumtree demo</c>: a local cluster in one process (nodes on 127.0.0.1, free ports, each with its own HTTP
/// admin on 127.0.0.1:8080+i unless busy), broadcasting now and then; Ctrl-C stops it cleanly (every node leaves).
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliEnvironment env)
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes to start (1-50).", DefaultValueFactory = _ => 5 };
        var interval = new Option<double>("--interval") { Description = "Seconds between demo broadcasts (0: never).", DefaultValueFactory = _ => 5 };
        var httpBase = new Option<int>("--http-base-port") { Description = "HTTP admin of node i listens on this port + i when free.", DefaultValueFactory = _ => 8080 };
        var command = new Command("demo", "Run a local demo cluster in this process and print where to look.") { nodes, interval, httpBase };
        command.SetAction((parse, _) => RunAsync(env, parse.GetValue(nodes), parse.GetValue(interval), parse.GetValue(httpBase)));
        return command;
    }

    public static async Task<int> RunAsync(CliEnvironment env, int count, double intervalSeconds, int httpBase)
    {
        if (count is < 1 or > 50)
        {
            await env.Error.WriteLineAsync("plumtree: --nodes: must be between 1 and 50").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (!(intervalSeconds >= 0) || httpBase is < 1 or > 65535)
        {
            await env.Error.WriteLineAsync("plumtree: --interval must be 0 or more and --http-base-port a port").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        var apps = new List<(string Name, WebApplication App, IPEndPoint Http, int Port)>();

        // A fresh data directory per run: stored peers of an earlier demo must not be joined (their ports may now
        // belong to something else).
        var dataRoot = Directory.CreateTempSubdirectory("plumtree-demo-").FullName;
        try
        {
            var loopback = IPAddress.Loopback;
            var seedPort = 0;
            for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
            {
                var name = $"demo-{i + 1}";
                var port = PortFinder.FreeTcpAndUdpPort(loopback);
                var httpPort = httpBase + i <= 65535 && PortFinder.IsTcpFree(loopback, httpBase + i) ? httpBase + i : PortFinder.FreeTcpPort(loopback);
                seedPort = i == 0 ? port : seedPort;
                var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["Plumtree:NodeName"] = name,
                    ["Plumtree:BindAddress"] = "127.0.0.1",
                    ["Plumtree:BindPort"] = port.ToString(CultureInfo.InvariantCulture),
                    ["Plumtree:Profile"] = "local",
                    ["Plumtree:Http"] = $"127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
                    ["Plumtree:DataDir"] = Path.Combine(dataRoot, name),
                    ["Plumtree:JoinReadyTimeout"] = "00:00:10",
                    ["Plumtree:LeaveTimeout"] = "00:00:03",
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
                };
                if (i > 0)
                {
                    overrides["Plumtree:Join:0"] = $"127.0.0.1:{seedPort.ToString(CultureInfo.InvariantCulture)}";
                }

                // The demo ignores /etc/plumtree/plumtree.json and PLUMTREE_* variables: it is self-contained.
                var config = AgentConfiguration.Load(new AgentFlags(), new Dictionary<string, string>(), overrides, useDefaultFile: false);
                var app = AgentHost.Build(config);
                try
                {
                    await app.StartAsync(stop.Token).ConfigureAwait(false);
                }
                catch
                {
                    await app.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                apps.Add((name, app, config.Settings.Http, port));
                env.Console.MarkupLine($"started [bold]{name}[/]: membership 127.0.0.1:{port}, admin http://{config.Settings.Http}");
            }

            PrintWhereToLook(env, apps.Select(a => (a.Name, a.Http)).ToList());
            await BroadcastLoopAsync(env, apps.Select(a => (a.Name, a.App)).ToList(), intervalSeconds, stop.Token).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (AgentConfigException ex)
        {
            await env.Error.WriteLineAsync($"plumtree: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex)
        {
            await env.Error.WriteLineAsync($"plumtree: the demo failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            env.Console.MarkupLine("stopping the demo cluster (each node leaves)...");
            for (var i = apps.Count - 1; i >= 0; i--)
            {
                try
                {
                    await apps[i].App.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    await env.Error.WriteLineAsync($"plumtree: stopping {apps[i].Name}: {ex.Message}").ConfigureAwait(false);
                }

                await apps[i].App.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                Directory.Delete(dataRoot, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await env.Error.WriteLineAsync($"plumtree: could not remove {dataRoot}: {ex.Message}").ConfigureAwait(false);
            }

            env.Console.MarkupLine($"demo stopped ({apps.Count.ToString(CultureInfo.InvariantCulture)} node(s) left the cluster)");
        }
    }

    private static void PrintWhereToLook(CliEnvironment env, IReadOnlyList<(string Name, IPEndPoint Http)> nodes)
    {
        var first = nodes[0].Http;
        env.Console.WriteLine();
        env.Console.MarkupLine("[bold]Demo cluster running.[/]");
        env.Console.MarkupLine($"Live dashboard: [bold]{Markup.Escape(DashboardUrl(first))}[/] (open it in a browser; every node serves one at /ui)");
        env.Console.MarkupLine("Try:");
        foreach (var line in new[]
        {
            $"curl -s http://{first}/v1/members",
            $"curl -s http://{first}/debug/peers",
            $"curl -s http://{first}/debug/state",
            $"curl -s http://{first}/health",
            $"curl -s http://{first}/metrics | grep plumtree_",
            $"curl -s -X POST --data-binary 'hello' http://{first}/v1/broadcast",
            $"curl -s http://{nodes[^1].Http}/v1/messages?limit=5",
            $"curl -sN http://{nodes[^1].Http}/v1/messages/stream",
            $"plumtree members --http {first}",
        })
        {
            env.Console.MarkupLine("  " + Markup.Escape(line));
        }

        if (!OnPath(env, "plumtree"))
        {
            // Run from a checkout (dotnet run): say how to get the command, and the form that works meanwhile.
            env.Console.MarkupLine(Markup.Escape("plumtree is not on PATH: `bash tools/install.sh` (in the repository) installs it. Until then, from the repository:"));
            env.Console.MarkupLine(Markup.Escape($"  dotnet run --project src/Plumtree.Agent.Launcher -c Release -- members --http {first}"));
        }

        env.Console.MarkupLine("Ctrl-C stops the demo.");
    }

    /// <summary>The dashboard of the node whose admin listens on <paramref name="http"/>.</summary>
    internal static string DashboardUrl(IPEndPoint http) => $"http://{http}/ui";

    /// <summary>An executable file named <paramref name="name"/> in a directory of PATH.</summary>
    internal static bool OnPath(CliEnvironment env, string name) =>
        (env.Environment["PATH"] as string ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, name)));

    private static async Task BroadcastLoopAsync(CliEnvironment env, IReadOnlyList<(string Name, WebApplication App)> nodes, double intervalSeconds, CancellationToken cancellationToken)
    {
        if (intervalSeconds <= 0)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(intervalSeconds));
        var sequence = 0;
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var (name, app) = nodes[sequence % nodes.Count];
            sequence++;
            var node = app.Services.GetRequiredService<IPlumtreeNodeHandle>();
            var text = $"demo message #{sequence.ToString(CultureInfo.InvariantCulture)} from {name}";
            try
            {
                var id = await node.BroadcastAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
                env.Console.MarkupLine($"{Markup.Escape(name)} broadcast {id}: \"{Markup.Escape(text)}\"");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                env.Console.MarkupLine($"[red]{Markup.Escape(name)} could not broadcast:[/] {Markup.Escape(ex.Message)}");
            }
        }
    }
}
