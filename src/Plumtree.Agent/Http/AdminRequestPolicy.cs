using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Plumtree.Agent.Configuration;

namespace Plumtree.Agent.Http;

/// <summary>
/// Who may use the admin API (docs/security.md, "Admin API"): the <c>Host</c> must name this agent (DNS rebinding),
/// state-changing requests must not come from another origin or carry a browser-form body (CSRF), and the bearer
/// token is required where configured. Decisions only; <see cref="AdminProtection"/> answers and counts them.
/// </summary>
internal sealed class AdminRequestPolicy
{
    /// <summary>Routes whose body is an opaque payload, so any content type is theirs to accept.</summary>
    private static readonly string[] RawBodyPaths = ["/v1/broadcast"];

    /// <summary>Read-only routes that <see cref="HttpTokenScope.AllExceptProbes"/> leaves open.</summary>
    private static readonly string[] ProbePaths = ["/metrics", "/health"];

    /// <summary>Read-only routes that answer secrets (the cluster's encryption keys): a configured token is required on them in every scope.</summary>
    private static readonly string[] SecretPaths = ["/v1/keys"];

    /// <summary>The content types a browser sends cross-origin without a preflight (the "simple" CORS requests).</summary>
    private static readonly string[] BrowserFormTypes = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

    private readonly IPEndPoint _listen;
    private readonly HashSet<string> _allowedHosts;
    private readonly HashSet<string> _allowedOrigins;
    private readonly byte[]? _tokenHash;
    private readonly HttpTokenScope _scope;

    public AdminRequestPolicy(AgentSettings settings)
    {
        _listen = settings.Http;
        _allowedHosts = new HashSet<string>(settings.HttpAllowedHosts.Select(AgentConfiguration.NormalizeHost).OfType<string>(), StringComparer.OrdinalIgnoreCase);
        _allowedOrigins = new HashSet<string>(settings.HttpAllowedOrigins.Select(AgentConfiguration.NormalizeOrigin).OfType<string>(), StringComparer.OrdinalIgnoreCase);
        _tokenHash = settings.Token is null ? null : Hash(settings.Token);
        _scope = settings.HttpTokenScope;
    }

    /// <summary>True when a token is configured (and so enforced on the routes of <see cref="HttpTokenScope"/>).</summary>
    public bool HasToken => _tokenHash is not null;

    /// <summary>The refusal for <paramref name="request"/>, or null when it may go through.</summary>
    public AdminRefusal? Check(in AdminRequest request)
    {
        if (CheckHost(request, out var hostName, out var hostPort) is { } badHost)
        {
            return badHost;
        }

        var reads = request.Method is "GET" or "HEAD";
        if (!reads && CheckBrowser(request, hostName, hostPort) is { } badBrowser)
        {
            return badBrowser;
        }

        // The dashboard's static files carry no data (the page asks for the token and sends it on its API calls), and a
        // browser cannot add a bearer header to a navigation: they are open in every scope, behind the Host check.
        var needsToken = _tokenHash is not null
            && !(reads && AdminEndpoints.IsDashboardAsset(request.Path))
            && (!reads || _scope == HttpTokenScope.All || IsOneOf(request.Path, SecretPaths) || (_scope == HttpTokenScope.AllExceptProbes && !IsOneOf(request.Path, ProbePaths)));
        return needsToken ? CheckToken(request.Authorization) : null;
    }

    private AdminRefusal? CheckHost(in AdminRequest request, out string name, out int port)
    {
        name = string.Empty;
        port = 0;
        if (string.IsNullOrWhiteSpace(request.Host))
        {
            return new AdminRefusal(StatusCodes.Status400BadRequest, RefusalReasons.Host, "the request has no Host header; the admin API answers only requests addressed to it");
        }

        var host = new HostString(request.Host.Trim());
        name = host.Host.ToLowerInvariant();
        port = host.Port ?? (request.Scheme == "https" ? 443 : 80);
        var expectedPort = _listen.Port != 0 ? _listen.Port : request.LocalPort;
        if (_allowedHosts.Contains(name) || _allowedHosts.Contains($"{name}:{port}"))
        {
            return null;
        }

        var wildcard = _listen.Address.Equals(IPAddress.Any) || _listen.Address.Equals(IPAddress.IPv6Any);
        var literal = name.StartsWith('[') && name.EndsWith(']') ? name[1..^1] : name;
        bool known;
        if (IPAddress.TryParse(literal, out var address))
        {
            // An address literal cannot be rebound by DNS: the one this agent listens on (any, when it listens on all).
            known = wildcard || address.Equals(_listen.Address);
        }
        else
        {
            known = name == "localhost" && (wildcard || IPAddress.IsLoopback(_listen.Address));
        }

        if (known && port == expectedPort)
        {
            return null;
        }

        return new AdminRefusal(
            StatusCodes.Status421MisdirectedRequest,
            RefusalReasons.Host,
            $"Host '{request.Host}' is not this agent's admin address ({Describe(expectedPort)}); a name this agent is reached by must be listed in Plumtree:HttpAllowedHosts");
    }

    private string Describe(int port)
    {
        var self = new IPEndPoint(_listen.Address, port).ToString();
        var names = new List<string>
        {
            _listen.Address.Equals(IPAddress.Any) || _listen.Address.Equals(IPAddress.IPv6Any) ? $"any IP address:{port}" : self,
        };
        if (IPAddress.IsLoopback(_listen.Address) || names[0].StartsWith("any", StringComparison.Ordinal))
        {
            names.Add($"localhost:{port}");
        }

        names.AddRange(_allowedHosts.Order(StringComparer.Ordinal));
        return string.Join(", ", names);
    }

    private AdminRefusal? CheckBrowser(in AdminRequest request, string hostName, int hostPort)
    {
        var allowedOrigin = false;
        if (request.Origin is { } originText)
        {
            var origin = AgentConfiguration.NormalizeOrigin(originText);
            var self = $"{request.Scheme}://{hostName}:{hostPort}".ToLowerInvariant();
            allowedOrigin = origin is not null && _allowedOrigins.Contains(origin);
            if (origin != self && !allowedOrigin)
            {
                return new AdminRefusal(
                    StatusCodes.Status403Forbidden,
                    RefusalReasons.Origin,
                    $"cross-origin {request.Method} refused: Origin '{originText}' is not this agent ({request.Scheme}://{request.Host}) nor listed in Plumtree:HttpAllowedOrigins");
            }
        }

        var site = request.SecFetchSite?.Trim().ToLowerInvariant();
        if (site is "cross-site" or "same-site" && !allowedOrigin)
        {
            return new AdminRefusal(
                StatusCodes.Status403Forbidden,
                RefusalReasons.FetchSite,
                $"{request.Method} from another site refused (Sec-Fetch-Site: {site}); state-changing requests must come from this agent's own origin, the plumtree CLI, or an origin listed in Plumtree:HttpAllowedOrigins");
        }

        if (IsOneOf(request.Path, RawBodyPaths))
        {
            return null;
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not null && BrowserFormTypes.Contains(mediaType))
        {
            return new AdminRefusal(
                StatusCodes.Status415UnsupportedMediaType,
                RefusalReasons.ContentType,
                $"{request.Method} {request.Path} with Content-Type {mediaType} refused (a browser form can send that from any page); send no body, or JSON as application/json");
        }

        if (request.HasBody && !(mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal))))
        {
            return new AdminRefusal(
                StatusCodes.Status415UnsupportedMediaType,
                RefusalReasons.ContentType,
                $"{request.Method} {request.Path} takes a JSON body (Content-Type: application/json) or none; got {(mediaType is null ? "a body without Content-Type" : mediaType)}");
        }

        return null;
    }

    private AdminRefusal? CheckToken(string? authorization)
    {
        const string Challenge = "Bearer realm=\"plumtree\"";
        var value = authorization?.Trim();
        if (string.IsNullOrEmpty(value) || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new AdminRefusal(
                StatusCodes.Status401Unauthorized,
                RefusalReasons.TokenMissing,
                "this route needs the admin token: send 'Authorization: Bearer TOKEN' (the plumtree CLI sends it from --token-file, PLUMTREE_HTTP_TOKEN or the agent's config file)",
                Challenge);
        }

        var given = Hash(value["Bearer ".Length..].Trim());
        if (!CryptographicOperations.FixedTimeEquals(given, _tokenHash))
        {
            return new AdminRefusal(
                StatusCodes.Status401Unauthorized,
                RefusalReasons.TokenInvalid,
                "the bearer token is not this agent's admin token",
                Challenge + ", error=\"invalid_token\"");
        }

        return null;
    }

    /// <summary>Hashing first makes the comparison constant-time in the token's length too.</summary>
    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static bool IsOneOf(string path, string[] paths)
    {
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        return paths.Any(p => string.Equals(p, trimmed, StringComparison.OrdinalIgnoreCase));
    }
}
