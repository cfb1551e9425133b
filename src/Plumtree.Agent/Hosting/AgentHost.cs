using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Handlers;
using Plumtree.Agent.Http;
using Plumtree.Agent.Metrics;
using Plumtree.Agent.Messages;
using Plumtree.Agent.Storage;
using Plumtree.Hosting;
using Plumtree.Node;
using Plumtree.Storage;

namespace Plumtree.Agent.Hosting;

/// <summary>Composes the agent: the hosted node, the HTTP admin, metrics export, the message log, the handler, systemd.</summary>
internal static class AgentHost
{
    private static readonly Dictionary<string, string?> LoggingDefaults = new(StringComparer.Ordinal)
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    };

    /// <summary>Builds the agent; <paramref name="customize"/> runs last (tests swap in a test server or a fake node there).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = AgentConfiguration.OptionTypesKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = AgentConfiguration.OptionTypesKept)]
    public static WebApplication Build(AgentConfiguration config, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "plumtree",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(LoggingDefaults);
        builder.Configuration.AddConfiguration(config.Root);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });

        var settings = config.Settings;
        HttpsCertificates? https = null;
        if (settings.HttpTls is { } httpTls)
        {
            // Loaded here (the files were checked at configuration time) so that Kestrel picks the current certificate per connection.
            https = new HttpsCertificates(httpTls, TimeProvider.System);
            builder.Services.AddSingleton(https);
        }

        builder.WebHost.ConfigureKestrel(o => o.Listen(settings.Http, listen =>
        {
            if (https is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    SslProtocols = SslProtocols.Tls13,
                    ServerCertificateSelector = (_, _) => https.Certificate,
                    ClientCertificateMode = https.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                    ClientCertificateValidation = https.AcceptsClient,
                    CheckCertificateRevocation = false,
                });
            }
        }));

        var services = builder.Services;
        if (StartupTrace.Enabled)
        {
            services.AddHostedService(_ => new StartupTraceService("first hosted service starting"));
        }

        services.AddSystemd();
        var leaveTimeout = config.PlumtreeSection.Get<PlumtreeHostingOptions>()?.LeaveTimeout ?? TimeSpan.FromSeconds(10);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = leaveTimeout + TimeSpan.FromSeconds(15));

        services.AddSingleton(settings);
        services.AddSingleton<AdminProtection>();
        services.AddSingleton<MessageLog>();
        services.AddSingleton<ClusterGather>();
        services.AddSingleton(sp => new HandlerRunner(
            settings,
            () => sp.GetRequiredService<IOptions<PlumtreeNodeOptions>>().Value.NodeName,
            sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<HandlerRunner>>()));
        services.AddHostedService(sp => sp.GetRequiredService<HandlerRunner>());

        // Registered before the node's hosted service, so it subscribes to deliveries before the node starts.
        services.AddHostedService<DeliveryHub>();
        // Both stores open on thread-pool threads from the moment the host creates them (DeferredStores.cs).
        services.AddSingleton<IPeerStore>(sp => new DeferredPeerStore(() =>
        {
            StartupTrace.Mark("peer store opening");
            var store = AgentPeerStore.Open(
                settings.DataDir,
                sp.GetRequiredService<PeerStoreMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Plumtree.Agent.Storage"));
            StartupTrace.Mark("peer store opened");
            return store;
        }));
        services.AddSingleton<IMessageStore>(sp => new DeferredMessageStore(() =>
        {
            StartupTrace.Mark("message store opening");
            var store = AgentMessageStore.Open(
                settings.DataDir,
                sp.GetRequiredService<PeerStoreMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Plumtree.Agent.Storage"));
            StartupTrace.Mark("message store opened");
            return store;
        }));
        services.AddPlumtree(config.PlumtreeSection);
        if (StartupTrace.Enabled)
        {
            services.AddHostedService(_ => new StartupTraceService("node started"));
        }

        services.PostConfigure<PlumtreeHostingOptions>(o => o.Join = [.. config.Join]);
        services.PostConfigure<PlumtreeNodeOptions>(o =>
        {
            o.EncryptionKeys = [.. config.EncryptionKeys];

            // Keys changed at run time (plumtree keys) survive a restart; the file wins over EncryptionKeys at start.
            if (Cli.AgentCommand.DataDirProblem(settings.DataDir) is null)
            {
                o.KeyringFile = Path.Combine(settings.DataDir, "keyring.json");
            }
            o.Profile = o.Profile.ToLowerInvariant();
            o.Tags = DashboardTags(settings, o);
        });

        if (settings.Validation.Any)
        {
            services.AddOptions<PlumtreeNodeOptions>().PostConfigure<ILoggerFactory>((o, loggers) =>
            {
                var logger = loggers.CreateLogger("Plumtree.Agent.Validation");
                var logged = new HashSet<string>(StringComparer.Ordinal); // the validator runs on the node's loop only
                o.MessageValidator = settings.Validation.Validator((rule, from) =>
                {
                    if (logged.Add(rule))
                    {
                        AgentLog.ValidationRejected(logger, rule, from ?? o.NodeName);
                    }
                });
            });
        }

        // GET /metrics: the Plumtree and Plumtree.Agent meters in Prometheus text (a MeterListener, no OpenTelemetry SDK).
        services.AddSingleton(sp => AgentMetrics.CreateExporter(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Plumtree.Agent.Metrics")));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default));

        customize?.Invoke(builder);

        var app = builder.Build();

        // Listening before anything records: the series created at 0 when the node and the stores are built must be seen.
        app.Services.GetRequiredService<PrometheusExporter>();
        if (https is not null)
        {
            https.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Plumtree.Agent.Https");
        }

        // Before every route, /metrics included (Host, Origin, content type, token).
        app.Use(app.Services.GetRequiredService<AdminProtection>().InvokeAsync);
        app.MapGet(AgentMetrics.Path, AgentMetrics.ScrapeAsync);
        app.MapAdminEndpoints();
        return app;
    }

    /// <summary>
    /// The node's tags plus <c>http</c> = the admin port when the dashboard is on (plain HTTP on a fixed port), so that
    /// other nodes' dashboards can gather this node's view (<see cref="ClusterGather"/>). A user's own <c>http</c> tag
    /// wins, and the tag is left out when it would not fit in the node meta.
    /// </summary>
    internal static IDictionary<string, string> DashboardTags(AgentSettings settings, PlumtreeNodeOptions options)
    {
        var tags = new Dictionary<string, string>(options.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (!settings.HttpUi || settings.HttpTls is not null || settings.Http.Port == 0 || tags.ContainsKey(ClusterGather.HttpTag))
        {
            return tags;
        }

        var problems = options.Validate().Count;
        options.Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal)
        {
            [ClusterGather.HttpTag] = settings.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // Only the meta size can turn valid options invalid here: then the node goes without the tag.
        return options.Validate().Count > problems ? tags : options.Tags;
    }
}
