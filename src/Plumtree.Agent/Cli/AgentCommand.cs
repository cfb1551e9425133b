using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Hosting;

namespace Plumtree.Agent.Cli;

/// <summary><c>plumtree agent</c>: runs a node with its HTTP admin until SIGTERM/SIGINT, then leaves gracefully.</summary>
internal static class AgentCommand
{
    public static Command Create(CliEnvironment env)
    {
        var nodeName = new Option<string?>("--node-name") { Description = "Unique node name (default: host name).", HelpName = "NAME" };
        var bind = new Option<string?>("--bind") { Description = "Membership address and port, UDP and TCP (default 0.0.0.0:7946).", HelpName = "IP:PORT" };
        var advertise = new Option<string?>("--advertise") { Description = "Address other members use to reach this node.", HelpName = "IP:PORT" };
        var http = new Option<string?>("--http") { Description = "HTTP admin listen address (default 127.0.0.1:8080).", HelpName = "IP:PORT" };
        var join = new Option<string[]>("--join") { Description = "Seed to join; repeat for several.", HelpName = "IP:PORT", Arity = ArgumentArity.ZeroOrMore };
        var profile = new Option<string?>("--profile") { Description = "Timing preset: local, lan, wan (default lan).", HelpName = "local|lan|wan" };
        var compat = new Option<string?>("--compat") { Description = "Cluster kind to join: memberlist or serf (default memberlist).", HelpName = "memberlist|serf" };
        var encrypt = new Option<string?>("--encrypt") { Description = "Base64 AES key (16, 24 or 32 bytes; see 'plumtree keygen').", HelpName = "BASE64KEY" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (default /var/lib/plumtree/data).", HelpName = "DIR" };
        var zone = new Option<string?>("--zone") { Description = "Failure zone, published as the 'zone' tag.", HelpName = "NAME" };
        var handler = new Option<string?>("--handler") { Description = "Command run (/bin/sh -c) for every delivered message, payload on stdin.", HelpName = "CMD" };
        var insecure = new Option<bool>("--http-insecure") { Description = "Serve the HTTP admin on a non-loopback address without a token (logged as a warning). Without it, such an address needs Plumtree:HttpTokenFile." };
        var noUi = new Option<bool>("--no-ui") { Description = "Do not serve the live dashboard at /ui (Plumtree:HttpUi = false)." };
        var config = new Option<string?>("--config") { Description = $"JSON config file (default {AgentConfiguration.DefaultConfigPath}; a missing default file is fine).", HelpName = "FILE" };

        var command = new Command("agent", "Run a node: membership, broadcast, HTTP admin. Stops gracefully (leave) on SIGTERM/SIGINT.")
        {
            nodeName, bind, advertise, http, insecure, noUi, join, profile, compat, encrypt, dataDir, zone, handler, config,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var flags = new AgentFlags
            {
                NodeName = parse.GetValue(nodeName),
                Bind = parse.GetValue(bind),
                Advertise = parse.GetValue(advertise),
                Http = parse.GetValue(http),
                Join = parse.GetValue(join) ?? [],
                Profile = parse.GetValue(profile),
                Compat = parse.GetValue(compat),
                Encrypt = parse.GetValue(encrypt),
                DataDir = parse.GetValue(dataDir),
                Zone = parse.GetValue(zone),
                Handler = parse.GetValue(handler),
                ConfigFile = parse.GetValue(config),
                HttpInsecure = parse.GetValue(insecure),
                NoUi = parse.GetValue(noUi),
            };
            return RunAsync(flags, env, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(AgentFlags flags, CliEnvironment env, CancellationToken cancellationToken)
    {
        AgentConfiguration config;
        try
        {
            config = AgentConfiguration.Load(flags, env.Environment);
            PrepareDataDir(config.Settings);
            StartupTrace.Mark("configuration read");
        }
        catch (AgentConfigException ex)
        {
            await env.Error.WriteLineAsync($"plumtree: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        WebApplication app;
        try
        {
            app = AgentHost.Build(config);
            StartupTrace.Mark("host built");
        }
        catch (Exception ex)
        {
            await env.Error.WriteLineAsync($"plumtree: cannot set up the agent: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (app.ConfigureAwait(false))
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Plumtree.Agent");
            if (config.ConfigFile is not null)
            {
                AgentLog.ConfigFileRead(logger, config.ConfigFile);
            }

            app.Lifetime.ApplicationStarted.Register(() =>
            {
                StartupTrace.Mark("host started (admin API listening)");
                StartupTrace.Memory("at start");
                if (StartupTrace.Enabled)
                {
                    _ = Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, app.Lifetime.ApplicationStopping)
                        .ContinueWith(_ => StartupTrace.Memory("5 s later"), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                }
            });
            // What start-up and then each early phase left resident and no longer uses goes back (ResidentTrim).
            app.Lifetime.ApplicationStarted.Register(() => _ = ResidentTrim.RunAsync(ResidentTrim.Trim, StartupTrace.Trimmed, TimeProvider.System, app.Lifetime.ApplicationStopping));
            app.Lifetime.ApplicationStarted.Register(() => AgentLog.AdminListening(logger, config.Settings.HttpTls is null ? "http" : "https", config.Settings.Http.ToString()));
            LogAdminProtection(logger, config.Settings);
            using var sighup = ReloadOnSighup(app, config.Settings, logger);
            try
            {
                await app.RunAsync(cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ValidationErrors(ex) is { Count: > 0 } errors)
            {
                await env.Error.WriteLineAsync("plumtree: invalid configuration:").ConfigureAwait(false);
                foreach (var error in errors)
                {
                    await env.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }
            catch (OperationCanceledException)
            {
                // Stopped (SIGTERM/SIGINT) while still starting: stop has run, the node has left if it had joined.
                return ExitCodes.Ok;
            }
            catch (Exception ex)
            {
                await env.Error.WriteLineAsync($"plumtree: the agent failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }
    }

    /// <summary>
    /// SIGHUP re-reads the TLS files of the Plumtree streams (<c>Plumtree:Tls</c>) and of the admin API
    /// (<c>Plumtree:HttpTls</c>) without dropping anything open; files that do not load are refused (logged) and the
    /// old ones kept. Without TLS it only logs that there is nothing to reload (it never stops the agent).
    /// </summary>
    private static PosixSignalRegistration ReloadOnSighup(WebApplication app, AgentSettings settings, ILogger logger)
    {
        var nodeTls = app.Services.GetRequiredService<IOptions<Plumtree.Node.PlumtreeNodeOptions>>().Value.Tls is not null;
        return PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            AgentLog.ReloadSignal(logger, nodeTls || settings.HttpTls is not null ? "reloading the TLS files" : "no TLS files configured, nothing to reload");
            if (nodeTls)
            {
                try
                {
                    // The node logs the outcome itself.
                    app.Services.GetRequiredService<Plumtree.Node.PlumtreeNode>().ReloadTls();
                }
                catch (InvalidOperationException)
                {
                    // Not running (starting or stopping): its files are read when it starts.
                }
            }

            app.Services.GetService<HttpsCertificates>()?.Reload();
        });
    }

    /// <summary>Says how the admin API is protected: the token's scope, or a warning when it is exposed without one.</summary>
    internal static void LogAdminProtection(ILogger logger, AgentSettings settings)
    {
        if (settings.Token is not null)
        {
            AgentLog.AdminTokenRequired(logger, settings.HttpTokenScope switch
            {
                HttpTokenScope.All => "every route",
                HttpTokenScope.AllExceptProbes => "every route but GET /metrics and /health",
                _ => "state-changing routes",
            });
        }

        if (settings.HttpTls is { RequireClientCertificate: true })
        {
            AgentLog.AdminClientCertificateRequired(logger);
        }
        else if (settings.Token is null && !System.Net.IPAddress.IsLoopback(settings.Http.Address))
        {
            AgentLog.AdminInsecure(logger, settings.Http.ToString());
        }
    }

    /// <summary>Options validation failures (one, or several at once) and the node's own ArgumentException, each naming its key.</summary>
    private static List<string> ValidationErrors(Exception ex) => ex switch
    {
        OptionsValidationException v => [.. v.Failures],
        AggregateException a => a.InnerExceptions.SelectMany(ValidationErrors).ToList(),
        ArgumentException { InnerException: null } arg => [arg.Message],
        _ when ex.InnerException is not null => ValidationErrors(ex.InnerException),
        _ => [],
    };

    /// <summary>
    /// Creates the data directory and checks that it is writable. An explicitly configured one that is not usable is a
    /// configuration error (exit 2, naming <c>Plumtree:DataDir</c>); the default one is only warned about later (the
    /// agent then keeps its known peers in memory).
    /// </summary>
    internal static void PrepareDataDir(AgentSettings settings)
    {
        if (DataDirProblem(settings.DataDir) is { } problem && settings.DataDirExplicit)
        {
            throw new AgentConfigException($"Plumtree:DataDir: '{settings.DataDir}' {problem}{AgentConfiguration.Hint("DataDir")}");
        }
    }

    /// <summary>Creates <paramref name="dataDir"/> if missing and writes (then deletes) a probe file; null when usable, else why not.</summary>
    internal static string? DataDirProblem(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"cannot be created: {ex.Message}";
        }

        var probe = Path.Combine(dataDir, $".plumtree-write-check-{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        try
        {
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"is not writable (creating a file in it failed: {ex.Message})";
        }
    }
}
