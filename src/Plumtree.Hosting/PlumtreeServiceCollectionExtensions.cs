using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plumtree.Hosting;
using Plumtree.Node;
using Plumtree.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a hosted <see cref="PlumtreeNode"/>.</summary>
public static class PlumtreeServiceCollectionExtensions
{
    private const string BindsByReflection =
        "Binds PlumtreeNodeOptions and PlumtreeHostingOptions by reflection: a trimmed or Native AOT application must keep " +
        "the Plumtree and Plumtree.Hosting assemblies whole (TrimmerRootAssembly), or configure the node in code.";

    /// <summary>
    /// Adds a Plumtree node configured from <paramref name="configuration"/> (usually the <c>Plumtree</c> section):
    /// <see cref="PlumtreeNodeOptions"/> and <see cref="PlumtreeHostingOptions"/> (<c>Join</c>, retry and leave timings)
    /// both bind from it and are validated when the host starts. The node is a singleton built with the host's
    /// <see cref="ILoggerFactory"/>, <see cref="IMeterFactory"/> and <see cref="TimeProvider"/>; a hosted service
    /// starts it, joins the seeds and leaves on stop; a health check named <c>plumtree</c> reports its health. Known
    /// peers are recorded in the registered <see cref="IPeerStore"/> (in memory unless one was added before) and tried
    /// when no seed answers.
    /// </summary>
    [RequiresUnreferencedCode(BindsByReflection)]
    [RequiresDynamicCode(BindsByReflection)]
    public static IServiceCollection AddPlumtree(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PlumtreeNodeOptions>().Bind(configuration).ValidateOnStart();
        services.AddOptions<PlumtreeHostingOptions>().Bind(configuration).ValidateOnStart();
        return services.AddPlumtreeCore();
    }

    /// <summary>Adds a Plumtree node configured in code; see <see cref="AddPlumtree(IServiceCollection, IConfiguration)"/>.</summary>
    public static IServiceCollection AddPlumtree(this IServiceCollection services, Action<PlumtreeNodeOptions> configureNode, Action<PlumtreeHostingOptions>? configureHosting = null)
    {
        ArgumentNullException.ThrowIfNull(configureNode);
        services.AddOptions<PlumtreeNodeOptions>().Configure(configureNode).ValidateOnStart();
        var hosting = services.AddOptions<PlumtreeHostingOptions>().ValidateOnStart();
        if (configureHosting is not null)
        {
            hosting.Configure(configureHosting);
        }

        return services.AddPlumtreeCore();
    }

    private static IServiceCollection AddPlumtreeCore(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlumtreeNodeOptions>, PlumtreeNodeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlumtreeHostingOptions>, PlumtreeHostingOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            // A registered IMessageStore (the agent's SQLite file) backs the node unless the options name one.
            var options = sp.GetRequiredService<IOptions<PlumtreeNodeOptions>>().Value;
            options.MessageStore ??= sp.GetService<IMessageStore>();
            return new PlumtreeNode(options, sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>(), sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton<IPlumtreeNodeHandle, PlumtreeNodeHandle>();
        services.TryAddSingleton<PlumtreeStartupState>();
        services.TryAddSingleton<IPeerStore>(_ => new InMemoryPeerStore());
        services.TryAddSingleton<PeerStoreMetrics>();
        services.TryAddSingleton<KnownPeersRecorder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PlumtreeHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KnownPeersRecorderService>());

        var registered = services.Any(d => d.ServiceType == typeof(PlumtreeHealthCheckMarker));
        if (!registered)
        {
            services.AddSingleton<PlumtreeHealthCheckMarker>();
            services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                PlumtreeHealthCheck.Name,
                sp => new PlumtreeHealthCheck(sp.GetRequiredService<IPlumtreeNodeHandle>(), sp.GetRequiredService<PlumtreeStartupState>()),
                failureStatus: null,
                tags: null));
        }

        return services;
    }

    /// <summary>Marks that the health check is registered, so a second <c>AddPlumtree</c> does not add it twice.</summary>
    private sealed class PlumtreeHealthCheckMarker;
}
