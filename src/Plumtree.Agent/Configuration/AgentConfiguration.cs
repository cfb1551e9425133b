using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Plumtree.Hosting;
using Plumtree.Node;

namespace Plumtree.Agent.Configuration;

/// <summary>
/// The agent's configuration, merged in the usual Microsoft.Extensions.Configuration order: JSON file &lt;
/// <c>PLUMTREE_*</c> environment &lt; flags. Lists (<c>Join</c>, <c>EncryptionKeys</c>) come whole from the
/// highest source that sets them, never merged item by item. Every bad value is reported with its key.
/// </summary>
internal sealed partial class AgentConfiguration
{
    public const string DefaultConfigPath = "/etc/plumtree/plumtree.json";
    public const string Section = PlumtreeHostingOptions.SectionName;

    private static readonly string[] Profiles = ["local", "lan", "wan"];

    private AgentConfiguration(IConfigurationRoot root, AgentSettings settings, IReadOnlyList<string> join, IReadOnlyList<string> encryptionKeys, string? configFile)
    {
        Root = root;
        Settings = settings;
        Join = join;
        EncryptionKeys = encryptionKeys;
        ConfigFile = configFile;
    }

    /// <summary>The merged configuration (the node and hosting options bind from its <c>Plumtree</c> section).</summary>
    public IConfigurationRoot Root { get; }

    public IConfigurationSection PlumtreeSection => Root.GetSection(Section);

    public AgentSettings Settings { get; }

    /// <summary>Seeds, from the highest source that lists any.</summary>
    public IReadOnlyList<string> Join { get; }

    /// <summary>Encryption keys, from the highest source that lists any.</summary>
    public IReadOnlyList<string> EncryptionKeys { get; }

    /// <summary>The config file that was read, or null when the default one does not exist.</summary>
    public string? ConfigFile { get; }

    /// <summary>Loads and validates; throws <see cref="AgentConfigException"/> naming every bad key.</summary>
    /// <param name="flags">The flags as given.</param>
    /// <param name="environment">Environment variables (<c>PLUMTREE_*</c> are read).</param>
    /// <param name="overrides">Values above every source (the demo's per-node settings).</param>
    /// <param name="useDefaultFile">False ignores <see cref="DefaultConfigPath"/> (the demo is self-contained).</param>
    public static AgentConfiguration Load(AgentFlags flags, IDictionary environment, IEnumerable<KeyValuePair<string, string?>>? overrides = null, bool useDefaultFile = true)
    {
        var errors = new List<string>();
        var flagValues = MapFlags(flags, errors);

        var envConfig = environment["PLUMTREE_CONFIG"] as string;
        var explicitPath = flags.ConfigFile ?? (string.IsNullOrWhiteSpace(envConfig) ? null : envConfig);
        var path = Path.GetFullPath(explicitPath ?? DefaultConfigPath);
        if (explicitPath is not null && !File.Exists(path))
        {
            throw new AgentConfigException($"--config: file '{path}' does not exist");
        }

        var builder = new ConfigurationBuilder();
        var fileUsed = (explicitPath is not null || useDefaultFile) && File.Exists(path) ? path : null;
        if (fileUsed is not null)
        {
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        builder.AddInMemoryCollection(EnvironmentMapping.Map(environment));
        builder.AddInMemoryCollection(flagValues);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            var detail = ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}";
            throw new AgentConfigException($"--config: cannot read '{path}': {detail}");
        }

        if (errors.Count > 0)
        {
            throw new AgentConfigException(errors);
        }

        var join = ResolveList(root, $"{Section}:{nameof(PlumtreeHostingOptions.Join)}");
        var keys = ResolveList(root, $"{Section}:{nameof(PlumtreeNodeOptions.EncryptionKeys)}");
        var settings = Validate(root, join, keys, errors);
        if (errors.Count > 0)
        {
            throw new AgentConfigException(errors);
        }

        return new AgentConfiguration(root, settings!, join, keys, fileUsed);
    }

    /// <summary>The list under <paramref name="key"/> from the highest-priority source that sets it (items or a comma-separated value).</summary>
    internal static IReadOnlyList<string> ResolveList(IConfigurationRoot root, string key)
    {
        foreach (var provider in root.Providers.Reverse())
        {
            var children = provider.GetChildKeys([], key).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (children.Count > 0)
            {
                return children
                    .OrderBy(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
                    .Select(c => provider.TryGet($"{key}:{c}", out var v) ? v : null)
                    .Where(v => !string.IsNullOrWhiteSpace(v))
                    .Select(v => v!.Trim())
                    .ToList();
            }

            if (provider.TryGet(key, out var scalar) && scalar is not null)
            {
                return scalar.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
        }

        return [];
    }

    private static Dictionary<string, string?> MapFlags(AgentFlags flags, List<string> errors)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        void Set(string key, string? value)
        {
            if (value is not null)
            {
                values[$"{Section}:{key}"] = value;
            }
        }

        Set(nameof(PlumtreeNodeOptions.NodeName), flags.NodeName);
        if (flags.Bind is not null)
        {
            if (EndPointText.TryParse(flags.Bind, defaultPort: 7946, minPort: 0, out var bind))
            {
                Set(nameof(PlumtreeNodeOptions.BindAddress), bind.Address.ToString());
                Set(nameof(PlumtreeNodeOptions.BindPort), bind.Port.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                errors.Add($"--bind: '{flags.Bind}' is not IP:PORT (e.g. 0.0.0.0:7946)");
            }
        }

        if (flags.Advertise is not null)
        {
            if (EndPointText.TryParse(flags.Advertise, defaultPort: null, minPort: 1, out var advertise))
            {
                Set(nameof(PlumtreeNodeOptions.AdvertiseAddress), advertise.Address.ToString());
                Set(nameof(PlumtreeNodeOptions.AdvertisePort), advertise.Port.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                errors.Add($"--advertise: '{flags.Advertise}' is not IP:PORT (e.g. 10.0.0.5:7946)");
            }
        }

        Set("Http", flags.Http);
        for (var i = 0; i < flags.Join.Count; i++)
        {
            Set($"{nameof(PlumtreeHostingOptions.Join)}:{i}", flags.Join[i]);
        }

        Set(nameof(PlumtreeNodeOptions.Profile), flags.Profile);
        Set(nameof(PlumtreeNodeOptions.Compatibility), flags.Compat);
        if (flags.Encrypt is not null)
        {
            Set($"{nameof(PlumtreeNodeOptions.EncryptionKeys)}:0", flags.Encrypt);
        }

        Set("DataDir", flags.DataDir);
        Set(nameof(PlumtreeNodeOptions.Zone), flags.Zone);
        Set("Handler", flags.Handler);
        if (flags.HttpInsecure)
        {
            Set(HttpInsecureKey, "true");
        }

        if (flags.NoUi)
        {
            Set(HttpUiKey, "false");
        }

        return values;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = AgentConfiguration.OptionTypesKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = AgentConfiguration.OptionTypesKept)]
    private static AgentSettings? Validate(IConfigurationRoot root, IReadOnlyList<string> join, IReadOnlyList<string> keys, List<string> errors)
    {
        var section = root.GetSection(Section);
        void Error(string key, string message) => errors.Add($"{Section}:{key}: {message}{Hint(key)}");
        CheckKnownKeys(section, Error);

        var name = section[nameof(PlumtreeNodeOptions.NodeName)];
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            Error(nameof(PlumtreeNodeOptions.NodeName), "must not be empty");
        }

        var bindAddress = section[nameof(PlumtreeNodeOptions.BindAddress)];
        if (bindAddress is not null && !IPAddress.TryParse(bindAddress, out _))
        {
            Error(nameof(PlumtreeNodeOptions.BindAddress), $"'{bindAddress}' is not an IP address");
        }

        CheckPort(section, nameof(PlumtreeNodeOptions.BindPort), 0, Error);
        var advertiseAddress = section[nameof(PlumtreeNodeOptions.AdvertiseAddress)];
        if (!string.IsNullOrEmpty(advertiseAddress) && !IPAddress.TryParse(advertiseAddress, out _))
        {
            Error(nameof(PlumtreeNodeOptions.AdvertiseAddress), $"'{advertiseAddress}' is not an IP address");
        }

        CheckPort(section, nameof(PlumtreeNodeOptions.AdvertisePort), 1, Error);

        var profile = section[nameof(PlumtreeNodeOptions.Profile)];
        if (profile is not null && !Profiles.Contains(profile, StringComparer.OrdinalIgnoreCase))
        {
            Error(nameof(PlumtreeNodeOptions.Profile), $"'{profile}' is not one of local, lan, wan");
        }

        var compat = section[nameof(PlumtreeNodeOptions.Compatibility)];
        if (compat is not null && !Enum.GetNames<ClusterCompatibility>().Contains(compat, StringComparer.OrdinalIgnoreCase))
        {
            Error(nameof(PlumtreeNodeOptions.Compatibility), $"'{compat}' is not one of memberlist, serf");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            if (!IsAesKey(keys[i]))
            {
                Error($"{nameof(PlumtreeNodeOptions.EncryptionKeys)}:{i}", "is not base64 of 16, 24 or 32 bytes (make one with 'plumtree keygen')");
            }
        }

        for (var i = 0; i < join.Count; i++)
        {
            if (!SeedAddress.TryParse(join[i], out _, out var why))
            {
                Error($"{nameof(PlumtreeHostingOptions.Join)}:{i}", $"'{join[i]}' {why}");
            }
        }

        // The binder reports values it cannot convert (naming the key); skipped when a check above already
        // reported something, since it would mostly repeat it.
        if (errors.Count == 0)
        {
            try
            {
                var node = section.Get<PlumtreeNodeOptions>() ?? new PlumtreeNodeOptions();
                var hosting = section.Get<PlumtreeHostingOptions>() ?? new PlumtreeHostingOptions();
                if (node.Broadcast is { } broadcast)
                {
                    errors.AddRange(broadcast.Validate().Select(e => $"{Section}:{nameof(PlumtreeNodeOptions.Broadcast)}:{e}"));
                }

                // Sync, Streams and Tls keys are checked like the node checks them (ranges, and a page that fits a stream record).
                var nodeErrors = node.Validate();
                foreach (var sub in new[] { nameof(PlumtreeNodeOptions.Sync), nameof(PlumtreeNodeOptions.Streams), nameof(PlumtreeNodeOptions.Tls) })
                {
                    errors.AddRange(nodeErrors
                        .Where(e => e.StartsWith($"{sub}.", StringComparison.Ordinal))
                        .Select(e => $"{Section}:{sub}:{e[(sub.Length + 1)..]}"));
                }

                hosting.Join = [.. join];
                errors.AddRange(hosting.Validate().Where(e => !e.StartsWith($"{Section}:{nameof(PlumtreeHostingOptions.Join)}:", StringComparison.Ordinal)));
            }
            catch (InvalidOperationException ex)
            {
                // "Failed to convert configuration value at 'Plumtree:BindPort' to type 'System.Int32'."
                errors.Add(ex.Message + (ex.InnerException is null ? string.Empty : " " + ex.InnerException.Message));
            }
        }

        var http = section["Http"] ?? AgentSettings.DefaultHttp;
        if (!EndPointText.TryParse(http, defaultPort: null, minPort: 0, out var httpEndPoint))
        {
            Error("Http", $"'{http}' is not IP:PORT (e.g. 127.0.0.1:8080)");
        }

        var dataDir = section["DataDir"];
        if (dataDir is not null && string.IsNullOrWhiteSpace(dataDir))
        {
            Error("DataDir", "must not be empty");
        }

        var handler = section["Handler"];
        var handlerTimeout = ReadTimeSpan(section, "HandlerTimeout", TimeSpan.FromSeconds(30), Error);
        var handlerQueue = ReadPositiveInt(section, "HandlerQueueCapacity", 1024, Error);
        var buffer = ReadPositiveInt(section, "MessageBufferCapacity", 1000, Error);
        var stream = ReadPositiveInt(section, "StreamBufferCapacity", 1000, Error);
        var payloadRules = ValidatePayloadRules(section, Error);
        var httpTls = ValidateHttpTls(root, Error);
        var access = ValidateHttpAccess(root, httpEndPoint, httpTls?.RequireClientCertificate == true, Error);
        var ui = ReadBool(section, HttpUiKey, Error, fallback: true);

        if (errors.Count > 0 || httpEndPoint is null)
        {
            return null;
        }

        return new AgentSettings
        {
            Http = httpEndPoint,
            DataDir = string.IsNullOrWhiteSpace(dataDir) ? AgentSettings.DefaultDataDir : Path.GetFullPath(dataDir),
            DataDirExplicit = !string.IsNullOrWhiteSpace(dataDir),
            Handler = string.IsNullOrWhiteSpace(handler) ? null : handler,
            HandlerTimeout = handlerTimeout,
            HandlerQueueCapacity = handlerQueue,
            MessageBufferCapacity = buffer,
            StreamBufferCapacity = stream,
            HttpAllowedHosts = access.AllowedHosts,
            HttpAllowedOrigins = access.AllowedOrigins,
            HttpToken = access.DirectToken,
            HttpTokenFile = access.TokenFile,
            HttpRequireToken = access.RequireToken,
            HttpTokenScope = access.Scope,
            HttpInsecure = access.Insecure,
            Token = access.Token,
            HttpTls = httpTls,
            HttpUi = ui,
            Validation = payloadRules,
        };
    }

    private static void CheckPort(IConfigurationSection section, string key, int min, Action<string, string> error)
    {
        var text = section[key];
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < min || port > 65535)
        {
            error(key, $"'{text}' is not a port ({min}-65535)");
        }
    }

    private static TimeSpan ReadTimeSpan(IConfigurationSection section, string key, TimeSpan fallback, Action<string, string> error)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) || value <= TimeSpan.Zero)
        {
            error(key, $"'{text}' is not a positive time span (e.g. 00:00:30)");
            return fallback;
        }

        return value;
    }

    private static int ReadPositiveInt(IConfigurationSection section, string key, int fallback, Action<string, string> error)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            error(key, $"'{text}' is not a positive integer");
            return fallback;
        }

        return value;
    }

    internal static bool IsAesKey(string text)
    {
        var buffer = new byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) && written is 16 or 24 or 32;
    }

    /// <summary>Which flag and environment variable set a key, for error messages.</summary>
    internal static string Hint(string key)
    {
        var flag = key switch
        {
            "NodeName" => "--node-name",
            "BindAddress" or "BindPort" => "--bind",
            "AdvertiseAddress" or "AdvertisePort" => "--advertise",
            "Http" => "--http",
            "Profile" => "--profile",
            "Compatibility" => "--compat",
            "DataDir" => "--data-dir",
            "Zone" => "--zone",
            "Handler" => "--handler",
            HttpInsecureKey => "--http-insecure",
            HttpUiKey => "--no-ui",
            _ when key.StartsWith("Join", StringComparison.Ordinal) => "--join",
            _ when key.StartsWith("EncryptionKeys", StringComparison.Ordinal) => "--encrypt",
            _ => null,
        };
        var top = key.Split(':')[0];
        var env = EnvironmentMapping.Prefix + string.Concat(top.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
        return flag is null ? $" (env {env})" : $" (flag {flag}, env {env})";
    }
}
