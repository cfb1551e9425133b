using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Handlers;

namespace Plumtree.Agent.Http;

/// <summary>
/// Runs <see cref="AdminRequestPolicy"/> before every admin route (<c>/metrics</c> included): answers a refused request
/// with a JSON error, counts it in <c>plumtree_agent_http_refused_total{reason}</c>, and logs the first refusal of
/// each cause as a warning (the rest at Debug, so a hostile page cannot flood the log).
/// </summary>
internal sealed class AdminProtection
{
    public const string RefusedMetric = "plumtree_agent_http_refused_total";

    private readonly AdminRequestPolicy _policy;
    private readonly Counter<long> _refused;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.Ordinal);

    public AdminProtection(AgentSettings settings, IMeterFactory meterFactory, ILoggerFactory loggerFactory)
    {
        _policy = new AdminRequestPolicy(settings);
        _refused = meterFactory.Create(HandlerRunner.MeterName).CreateCounter<long>(
            RefusedMetric,
            description: "Admin API requests refused, by reason (host, origin, fetch_site, content_type, token_missing, token_invalid).");
        _logger = loggerFactory.CreateLogger("Plumtree.Agent.Http");
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var headers = request.Headers;
        var facts = new AdminRequest(
            request.Method,
            request.Path.Value ?? "/",
            request.Scheme,
            headers.Host.Count > 0 ? headers.Host.ToString() : null,
            Header(headers, "Origin"),
            Header(headers, "Sec-Fetch-Site"),
            Header(headers, "Content-Type"),
            request.ContentLength is > 0 || (request.ContentLength is null && headers.TransferEncoding.Count > 0),
            Header(headers, "Authorization"),
            context.Connection.LocalPort);
        if (_policy.Check(facts) is not { } refusal)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        _refused.Add(1, new KeyValuePair<string, object?>("reason", refusal.Reason));
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "?";
        if (_warned.TryAdd(refusal.Reason, true))
        {
            AgentLog.AdminRequestRefused(_logger, refusal.Reason, request.Method, facts.Path, remote, refusal.Message);
        }
        else
        {
            AgentLog.AdminRequestRefusedAgain(_logger, refusal.Reason, request.Method, facts.Path, remote);
        }

        if (refusal.Challenge is not null)
        {
            context.Response.Headers.WWWAuthenticate = refusal.Challenge;
        }

        var result = Results.Json(new ErrorResponse(refusal.Message, null), AdminJsonContext.Relaxed.ErrorResponse, "application/json; charset=utf-8", refusal.Status);
        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;
}
