using System.Net;
using Microsoft.Extensions.Configuration;
using Plumtree.Node;

namespace Plumtree.Agent.Configuration;

/// <summary>The admin API's protection keys: allowed hosts and origins, the bearer token, the loopback rule.</summary>
internal sealed partial class AgentConfiguration
{
    internal const string HttpAllowedHostsKey = nameof(AgentSettings.HttpAllowedHosts);
    internal const string HttpAllowedOriginsKey = nameof(AgentSettings.HttpAllowedOrigins);
    internal const string HttpTokenKey = nameof(AgentSettings.HttpToken);
    internal const string HttpTokenFileKey = nameof(AgentSettings.HttpTokenFile);
    internal const string HttpRequireTokenKey = nameof(AgentSettings.HttpRequireToken);
    internal const string HttpTokenScopeKey = nameof(AgentSettings.HttpTokenScope);
    internal const string HttpInsecureKey = nameof(AgentSettings.HttpInsecure);
    internal const string HttpTlsKey = nameof(AgentSettings.HttpTls);
    internal const string HttpUiKey = nameof(AgentSettings.HttpUi);

    /// <summary>Shortest token accepted: a guessable token is no protection.</summary>
    public const int MinTokenLength = 16;

    private static readonly Dictionary<string, HttpTokenScope> Scopes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["writes"] = HttpTokenScope.Writes,
        ["all-except-probes"] = HttpTokenScope.AllExceptProbes,
        ["all"] = HttpTokenScope.All,
    };

    private sealed record HttpAccess(
        IReadOnlyList<string> AllowedHosts,
        IReadOnlyList<string> AllowedOrigins,
        string? DirectToken,
        string? TokenFile,
        string? Token,
        bool RequireToken,
        HttpTokenScope Scope,
        bool Insecure);

    /// <summary>
    /// The admin API's TLS keys (<c>Plumtree:HttpTls:*</c>), null when none is set: the files must exist and load
    /// (each error names its key). <c>VerifyPeerName</c> has no meaning for the admin API and is refused.
    /// </summary>
    private static TlsOptions? ValidateHttpTls(IConfigurationRoot root, Action<string, string> error)
    {
        var section = root.GetSection($"{Section}:{HttpTlsKey}");
        if (!section.GetChildren().Any(c => !string.IsNullOrEmpty(c.Value)))
        {
            return null;
        }

        var reload = new TlsOptions().ReloadCheckInterval;
        var reloadText = section[nameof(TlsOptions.ReloadCheckInterval)];
        if (!string.IsNullOrEmpty(reloadText) && !TimeSpan.TryParse(reloadText, System.Globalization.CultureInfo.InvariantCulture, out reload))
        {
            error($"{HttpTlsKey}:{nameof(TlsOptions.ReloadCheckInterval)}", $"'{reloadText}' is not a time span (e.g. 00:00:10; 0 = reload on SIGHUP only)");
            return null;
        }

        if (!string.IsNullOrEmpty(section[nameof(TlsOptions.VerifyPeerName)]))
        {
            error($"{HttpTlsKey}:{nameof(TlsOptions.VerifyPeerName)}", "is not used by the admin API (client certificates are checked against the CA bundle only)");
        }

        var options = new TlsOptions
        {
            CertificateFile = NullIfBlank(section[nameof(TlsOptions.CertificateFile)]) is { } cert ? Path.GetFullPath(cert) : null,
            KeyFile = NullIfBlank(section[nameof(TlsOptions.KeyFile)]) is { } key ? Path.GetFullPath(key) : null,
            CaFile = NullIfBlank(section[nameof(TlsOptions.CaFile)]) is { } ca ? Path.GetFullPath(ca) : null,
            RequireClientCertificate = ReadBool(section, nameof(TlsOptions.RequireClientCertificate), (k, m) => error($"{HttpTlsKey}:{k}", m)),
            ReloadCheckInterval = reload,
        };
        var problems = options.Validate();
        foreach (var problem in problems)
        {
            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            error($"{HttpTlsKey}:{problem[..colon]}", problem[(colon + 2)..]);
        }

        if (options.RequireClientCertificate && options.CaFile is null && problems.Count == 0)
        {
            error($"{HttpTlsKey}:{nameof(TlsOptions.CaFile)}", "must be set when RequireClientCertificate is true (the CA client certificates must chain to)");
        }

        return problems.Count == 0 ? options : null;
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static HttpAccess ValidateHttpAccess(IConfigurationRoot root, IPEndPoint? listen, bool clientCertificates, Action<string, string> error)
    {
        var section = root.GetSection(Section);
        var hosts = new List<string>();
        var hostList = ResolveList(root, $"{Section}:{HttpAllowedHostsKey}");
        for (var i = 0; i < hostList.Count; i++)
        {
            if (NormalizeHost(hostList[i]) is { } host)
            {
                hosts.Add(host);
            }
            else
            {
                error($"{HttpAllowedHostsKey}:{i}", $"'{hostList[i]}' is not a host name or host:port (e.g. plumtree.example.com or plumtree.example.com:8080)");
            }
        }

        var origins = new List<string>();
        var originList = ResolveList(root, $"{Section}:{HttpAllowedOriginsKey}");
        for (var i = 0; i < originList.Count; i++)
        {
            if (NormalizeOrigin(originList[i]) is { } origin)
            {
                origins.Add(origin);
            }
            else
            {
                error($"{HttpAllowedOriginsKey}:{i}", $"'{originList[i]}' is not an origin: scheme://host[:port], no path (e.g. https://ops.example.com)");
            }
        }

        var requireToken = ReadBool(section, HttpRequireTokenKey, error);
        var insecure = ReadBool(section, HttpInsecureKey, error);
        var scope = HttpTokenScope.Writes;
        var scopeText = section[HttpTokenScopeKey];
        if (!string.IsNullOrEmpty(scopeText) && !Scopes.TryGetValue(scopeText.Trim(), out scope))
        {
            error(HttpTokenScopeKey, $"'{scopeText}' is not one of writes, all-except-probes, all");
        }

        var direct = section[HttpTokenKey];
        direct = string.IsNullOrEmpty(direct) ? null : direct;
        var file = section[HttpTokenFileKey];
        file = string.IsNullOrWhiteSpace(file) ? null : Path.GetFullPath(file);
        string? token = null;
        var tokenError = false;
        if (direct is not null && file is not null)
        {
            error(HttpTokenKey, $"is set and so is {Section}:{HttpTokenFileKey}; set one of them");
            tokenError = true;
        }
        else if (file is not null)
        {
            try
            {
                token = File.ReadAllText(file).Trim();
                if (TokenProblem(token) is { } problem)
                {
                    error(HttpTokenFileKey, $"the token in '{file}' {problem}");
                    tokenError = true;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                error(HttpTokenFileKey, $"'{file}' cannot be read: {ex.Message}");
                tokenError = true;
            }
        }
        else if (direct is not null)
        {
            token = direct.Trim();
            if (TokenProblem(token) is { } problem)
            {
                // Never echo the token itself.
                error(HttpTokenKey, $"the token {problem}");
                tokenError = true;
            }
        }

        if (!tokenError && token is null)
        {
            const string Where = $"set {Section}:{HttpTokenFileKey} (env PLUMTREE_HTTP_TOKEN_FILE) or {Section}:{HttpTokenKey} (env PLUMTREE_HTTP_TOKEN)";
            if (requireToken)
            {
                error(HttpRequireTokenKey, $"is true but no token is configured: {Where}");
            }
            else if (scope != HttpTokenScope.Writes)
            {
                error(HttpTokenScopeKey, $"'{scopeText}' needs a token: {Where}");
            }
            else if (listen is not null && !IPAddress.IsLoopback(listen.Address) && !insecure && !clientCertificates)
            {
                error("Http", $"'{listen}' is not a loopback address and the admin API has no token and no mutual TLS: {Where}, or require client certificates ({Section}:{HttpTlsKey}:{nameof(TlsOptions.RequireClientCertificate)} with a CA bundle), or pass --http-insecure ({Section}:{HttpInsecureKey} = true) to serve it unauthenticated");
            }
        }

        return new HttpAccess(hosts, origins, direct, file, tokenError ? null : token, requireToken, scope, insecure);
    }

    /// <summary>Why <paramref name="token"/> cannot be used (without quoting it), or null.</summary>
    internal static string? TokenProblem(string token)
    {
        if (token.Length == 0)
        {
            return "is empty";
        }

        if (token.Any(c => c is < '!' or > '~'))
        {
            return "must be printable ASCII without spaces (make one with 'plumtree keygen')";
        }

        return token.Length < MinTokenLength
            ? $"is {token.Length} characters; at least {MinTokenLength} are needed (make one with 'plumtree keygen')"
            : null;
    }

    /// <summary><c>name</c> or <c>name:port</c> (<c>[v6]:port</c>), lower-cased; null when it is not one.</summary>
    internal static string? NormalizeHost(string text)
    {
        text = text.Trim();
        if (text.Length == 0 || text.Contains("://", StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal) || text.Contains('@', StringComparison.Ordinal))
        {
            return null;
        }

        if (!Uri.TryCreate("http://" + text + "/", UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || uri.Host.Length == 0 || uri.UserInfo.Length > 0)
        {
            return null;
        }

        var explicitPort = !uri.IsDefaultPort || text.EndsWith(":80", StringComparison.Ordinal);
        return explicitPort ? $"{uri.Host}:{uri.Port}".ToLowerInvariant() : uri.Host.ToLowerInvariant();
    }

    /// <summary><c>scheme://host:port</c> (port always written), lower-cased; null when <paramref name="text"/> is not an http(s) origin.</summary>
    internal static string? NormalizeOrigin(string text)
    {
        text = text.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/")
        {
            return null;
        }

        return $"{uri.Scheme}://{uri.Host}:{uri.Port}".ToLowerInvariant();
    }

    private static bool ReadBool(IConfigurationSection section, string key, Action<string, string> error, bool fallback = false)
    {
        var text = section[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!bool.TryParse(text.Trim(), out var value))
        {
            error(key, $"'{text}' is not true or false");
        }

        return value;
    }
}
