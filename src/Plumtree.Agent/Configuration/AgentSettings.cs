using System.Net;

namespace Plumtree.Agent.Configuration;

/// <summary>The agent's own settings (besides the node's), read from the <c>Plumtree</c> section.</summary>
internal sealed class AgentSettings
{
    public const string DefaultHttp = "127.0.0.1:8080";
    public const string DefaultDataDir = "/var/lib/plumtree/data";

    /// <summary>Message validation rules (<c>Plumtree:Validation:*</c>); none set: every message is accepted.</summary>
    public Validation.PayloadRules Validation { get; init; } = new();

    /// <summary>HTTP admin listen address (<c>Plumtree:Http</c>, flag <c>--http</c>).</summary>
    public IPEndPoint Http { get; init; } = new(IPAddress.Loopback, 8080);

    /// <summary>
    /// Host names (<c>name</c> or <c>name:port</c>) accepted in the <c>Host</c> header besides the listen address
    /// (<c>Plumtree:HttpAllowedHosts</c>, list; env comma-separated). See <see cref="Http.AdminRequestPolicy"/>.
    /// </summary>
    public IReadOnlyList<string> HttpAllowedHosts { get; init; } = [];

    /// <summary>Origins (<c>scheme://host[:port]</c>) allowed to send state-changing requests besides the agent's own (<c>Plumtree:HttpAllowedOrigins</c>).</summary>
    public IReadOnlyList<string> HttpAllowedOrigins { get; init; } = [];

    /// <summary>The bearer token as configured directly (<c>Plumtree:HttpToken</c>, env <c>PLUMTREE_HTTP_TOKEN</c>); see <see cref="Token"/>.</summary>
    public string? HttpToken { get; init; }

    /// <summary>File holding the bearer token (<c>Plumtree:HttpTokenFile</c>); its content, trimmed, is the token.</summary>
    public string? HttpTokenFile { get; init; }

    /// <summary>Refuse to start without a token even on loopback (<c>Plumtree:HttpRequireToken</c>). A configured token is always enforced.</summary>
    public bool HttpRequireToken { get; init; }

    /// <summary>Which routes need the token (<c>Plumtree:HttpTokenScope</c>). Default: state-changing ones.</summary>
    public HttpTokenScope HttpTokenScope { get; init; } = HttpTokenScope.Writes;

    /// <summary>Start on a non-loopback address without a token (<c>Plumtree:HttpInsecure</c>, flag <c>--http-insecure</c>), with a warning.</summary>
    public bool HttpInsecure { get; init; }

    /// <summary>
    /// TLS 1.3 for the admin API (<c>Plumtree:HttpTls:CertificateFile</c>, <c>KeyFile</c>, <c>CaFile</c>,
    /// <c>RequireClientCertificate</c>, <c>ReloadCheckInterval</c>); null: plain HTTP.
    /// </summary>
    public Plumtree.Node.TlsOptions? HttpTls { get; init; }

    /// <summary>
    /// Serve the live dashboard at <c>GET /ui</c> (<c>Plumtree:HttpUi</c>, flag <c>--no-ui</c> turns it off). Default true.
    /// When on, the agent also publishes its admin port as the <c>http</c> tag so that other nodes' dashboards can
    /// gather this node's view of the overlay (<c>GET /debug/cluster</c>).
    /// </summary>
    public bool HttpUi { get; init; } = true;

    /// <summary>The token the admin API requires (from <see cref="HttpTokenFile"/> or <see cref="HttpToken"/>), or null when none is configured.</summary>
    public string? Token { get; init; }

    /// <summary>Data directory (<c>Plumtree:DataDir</c>, flag <c>--data-dir</c>).</summary>
    public string DataDir { get; init; } = DefaultDataDir;

    /// <summary>True when the data directory was configured rather than defaulted.</summary>
    public bool DataDirExplicit { get; init; }

    /// <summary>Command run for each delivery (<c>Plumtree:Handler</c>, flag <c>--handler</c>); null: none.</summary>
    public string? Handler { get; init; }

    /// <summary>Longest a handler run may take before it is killed (<c>Plumtree:HandlerTimeout</c>). Default 30 s.</summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries waiting for the handler before new ones are dropped (<c>Plumtree:HandlerQueueCapacity</c>). Default 1024.</summary>
    public int HandlerQueueCapacity { get; init; } = 1024;

    /// <summary>Recent deliveries kept for <c>GET /v1/messages</c> (<c>Plumtree:MessageBufferCapacity</c>). Default 1000.</summary>
    public int MessageBufferCapacity { get; init; } = 1000;

    /// <summary>Deliveries buffered per live stream reader before its oldest are dropped (<c>Plumtree:StreamBufferCapacity</c>). Default 1000.</summary>
    public int StreamBufferCapacity { get; init; } = 1000;
}
