namespace Plumtree.Agent.Configuration;

/// <summary>Which admin routes require the bearer token (<c>Plumtree:HttpTokenScope</c>).</summary>
internal enum HttpTokenScope
{
    /// <summary>Every state-changing route (any method but GET and HEAD): <c>writes</c>, the default.</summary>
    Writes,

    /// <summary>Every route except <c>GET /metrics</c> and <c>GET /health</c> (left open for Prometheus and probes): <c>all-except-probes</c>.</summary>
    AllExceptProbes,

    /// <summary>Every route: <c>all</c>.</summary>
    All,
}
