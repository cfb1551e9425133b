using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Plumtree.Hosting;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Agent.Http;

/// <summary>The HTTP admin routes (ARCHITECTURE §7; shapes documented in docs/http.md).</summary>
internal static partial class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Handler(HealthAsync));
        app.MapGet("/debug/peers", Handler(Peers));
        app.MapGet("/debug/state", Handler(State));
        app.MapGet("/v1/members", Handler(Members));
        app.MapPost("/v1/broadcast", Handler(BroadcastAsync));
        app.MapGet("/v1/messages", Handler(Messages));
        app.MapGet("/v1/messages/stream", Stream);
        app.MapPost("/v1/join", Handler(JoinAsync));
        app.MapPost("/v1/leave", Handler(LeaveAsync));
        app.MapPost("/v1/rebalance", Handler(RebalanceAsync));
        app.MapPost("/v1/cache/clear", Handler(ClearCacheAsync));
        app.MapPost("/v1/cache/verify", Handler(VerifyCacheAsync));
        app.MapGet("/debug/sync", Handler(Sync));
        app.MapPost("/v1/sync", Handler(SyncNowAsync));
        app.MapGet("/v1/keys", Handler(ListKeysAsync));
        app.MapPost("/v1/keys/install", Handler(InstallKeyAsync));
        app.MapPost("/v1/keys/use", Handler(UseKeyAsync));
        app.MapPost("/v1/keys/remove", Handler(RemoveKeyAsync));
        MapDashboard(app);
        return app;
    }

    /// <summary>
    /// A <see cref="RequestDelegate"/> that writes the returned result: the routes take no parameters but the
    /// context, so they need no request delegate generated from a <see cref="Delegate"/> (reflection at start-up, and
    /// IL2026/IL3050/RDG002 in a Native AOT publish).
    /// </summary>
    private static RequestDelegate Handler(Func<HttpContext, Task<IResult>> handler) =>
        async context => await (await handler(context).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false);

    private static RequestDelegate Handler(Func<HttpContext, IResult> handler) => context => handler(context).ExecuteAsync(context);

    private static IPlumtreeNodeHandle Node(HttpContext context) => context.RequestServices.GetRequiredService<IPlumtreeNodeHandle>();

    private static IResult Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK) =>
        Results.Json(value, typeInfo, contentType: "application/json; charset=utf-8", statusCode: status);

    private static IResult Error(int status, string message, IReadOnlyList<string>? details = null) =>
        Json(new ErrorResponse(message, details), AdminJsonContext.Relaxed.ErrorResponse, status);

    /// <summary>Runs a node call, turning its failures into JSON errors: 409 when the node is in the wrong state, 500 otherwise.</summary>
    private static async Task<IResult> GuardAsync(HttpContext context, Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            return Error(StatusCodes.Status409Conflict, ex.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (BadHttpRequestException ex)
        {
            // The client's fault (a body that stops arriving: Kestrel's minimum data rate; a malformed body): its own
            // status (408, 400, 413), not a 500 and a warning per request that a slow client could flood the log with.
            return Error(ex.StatusCode, ex.Message);
        }
        catch (Exception ex)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Plumtree.Agent.Http");
            AgentLog.AdminActionFailed(logger, context.Request.Method, context.Request.Path, ex);
            return Error(StatusCodes.Status500InternalServerError, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The member tag holding the failure zone.</summary>
    private const string ZoneTag = "zone";

    internal static MemberDto ToDto(MemberInfo member) =>
        new(
            member.Name,
            member.Address.ToString(),
            StateName(member.State),
            member.Tags.TryGetValue(ZoneTag, out var zone) && zone.Length > 0 ? zone : null,
            new SortedDictionary<string, string>(member.Tags.ToDictionary(), StringComparer.Ordinal));

    internal static string StateName(MemberState state) => state switch
    {
        MemberState.Alive => "alive",
        MemberState.Suspect => "suspect",
        MemberState.Dead => "dead",
        MemberState.Left => "left",
        _ => state.ToString().ToLowerInvariant(),
    };
}
