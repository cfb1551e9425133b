using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Plumtree.Hosting;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Agent.Http;

/// <summary>Read-only views: health, members, peers, state export.</summary>
internal static partial class AdminEndpoints
{
    private static async Task<IResult> HealthAsync(HttpContext context)
    {
        var response = await BuildHealthAsync(context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        var status = response.Status == nameof(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy)
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store";
        return Json(response, AdminJsonContext.Relaxed.HealthResponse, status);
    }

    /// <summary>The <c>/health</c> answer (also sent in the dashboard's snapshots).</summary>
    internal static async Task<HealthResponse> BuildHealthAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        var checks = new SortedDictionary<string, HealthCheckDto>(StringComparer.Ordinal);
        string? message = null;
        foreach (var (name, entry) in report.Entries)
        {
            var details = entry.Data.Values.OfType<PlumtreeCheckDetail>().ToList();
            if (name == PlumtreeHealthCheck.Name)
            {
                message = entry.Description;
            }

            if (name == PlumtreeHealthCheck.Name && details.Count > 0)
            {
                foreach (var (checkName, value) in entry.Data)
                {
                    if (value is PlumtreeCheckDetail detail)
                    {
                        checks[checkName] = new HealthCheckDto(detail.Status.ToString(), detail.Description, JsonData.ToJson(detail.Data));
                    }
                }
            }
            else
            {
                checks[name] = new HealthCheckDto(entry.Status.ToString(), entry.Description ?? string.Empty, JsonData.ToJson(entry.Data));
            }
        }

        message ??= string.Join("; ", report.Entries.Values.Select(e => e.Description).Where(d => !string.IsNullOrEmpty(d)));
        return new HealthResponse(report.Status.ToString(), message, checks);
    }

    private static Task<IResult> Members(HttpContext context) => GuardAsync(context, () =>
    {
        var members = Node(context).Members.Select(ToDto).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        return Task.FromResult(Json(new MembersResponse(members), AdminJsonContext.Relaxed.MembersResponse));
    });

    private static Task<IResult> Peers(HttpContext context) => GuardAsync(context, () =>
        Task.FromResult(Json(BuildPeers(Node(context)), AdminJsonContext.Relaxed.PeersResponse)));

    /// <summary>The <c>/debug/peers</c> answer (also sent in the dashboard's snapshots).</summary>
    internal static PeersResponse BuildPeers(IPlumtreeNodeHandle node) => new(
        node.Name,
        node.Zone,
        Sorted(node.EagerPeers),
        Sorted(node.LazyPeers),
        Sorted(node.CrossZonePeers),
        Sorted(node.RingNeighbors),
        node.Members.Select(ToDto).OrderBy(m => m.Name, StringComparer.Ordinal).ToList());

    private static Task<IResult> State(HttpContext context) => GuardAsync(context, () =>
    {
        var export = Node(context).ExportState();
        var members = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var state in Enum.GetValues<MemberState>())
        {
            members[StateName(state)] = export.Members.TryGetValue(state, out var count) ? count : 0;
        }

        var response = new StateResponse(
            export.Node,
            Sorted(export.EagerPeers),
            Sorted(export.LazyPeers),
            Sorted(export.RingNeighbors),
            export.CacheSize,
            export.PendingGrafts,
            members,
            export.Timestamp.ToUniversalTime());
        return Task.FromResult(Json(response, AdminJsonContext.Relaxed.StateResponse));
    });

    private static List<string> Sorted(IEnumerable<string> names) => names.Order(StringComparer.Ordinal).ToList();
}
