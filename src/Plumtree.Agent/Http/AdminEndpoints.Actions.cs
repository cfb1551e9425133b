using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Plumtree.Hosting;
using Plumtree.Node;

namespace Plumtree.Agent.Http;

/// <summary>The recovery guide's actions: join, leave, rebalance, clear the cache.</summary>
internal static partial class AdminEndpoints
{
    private static Task<IResult> JoinAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        JoinRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, AdminJsonContext.Relaxed.JoinRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Error(StatusCodes.Status400BadRequest, $"body is not JSON of the form {{\"addresses\":[\"ip:port\"]}}: {ex.Message}");
        }

        if (request?.Addresses is not { Count: > 0 } addresses)
        {
            return Error(StatusCodes.Status400BadRequest, "addresses: list at least one ip:port, as {\"addresses\":[\"10.0.0.1:7946\"]}");
        }

        var seeds = new List<SeedAddress>();
        var bad = new List<string>();
        foreach (var text in addresses)
        {
            if (SeedAddress.TryParse(text, out var seed, out var why))
            {
                seeds.Add(seed);
            }
            else
            {
                bad.Add($"'{text}' {why}");
            }
        }

        if (bad.Count > 0)
        {
            return Error(StatusCodes.Status400BadRequest, "addresses: some entries are not host:port", bad);
        }

        var endPoints = new List<IPEndPoint>();
        var unresolved = new List<string>();
        var dnsServerEndPoint = context.RequestServices.GetRequiredService<IOptions<PlumtreeHostingOptions>>().Value.DnsServerEndPoint;

        foreach (var seed in seeds)
        {
            try
            {
                endPoints.AddRange(await seed.ResolveAsync(dnsServerEndPoint, context.RequestAborted).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or SeedResolutionException)
            {
                unresolved.Add($"{seed}: {ex.Message}");
            }
        }

        if (endPoints.Count == 0)
        {
            return Error(StatusCodes.Status502BadGateway, "no address could be resolved", unresolved);
        }

        try
        {
            var contacted = await Node(context).JoinAsync(endPoints, context.RequestAborted).ConfigureAwait(false);
            return Json(new JoinResponse(contacted), AdminJsonContext.Relaxed.JoinResponse);
        }
        catch (PlumtreeJoinException ex)
        {
            return Error(StatusCodes.Status502BadGateway, ex.Message, [.. unresolved, .. ex.Errors.Select(e => e.Message)]);
        }
    });

    private static Task<IResult> LeaveAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        var node = Node(context);
        if (!node.IsJoined)
        {
            // Already left (or never joined): nothing to announce, and saying "left" again would mislead.
            return Json(new ActionResponse(true, $"{node.Name} is not in a cluster (already left, or not joined yet): nothing to do; join with 'plumtree join ADDR' (POST /v1/join)"), AdminJsonContext.Relaxed.ActionResponse);
        }

        var timeout = context.RequestServices.GetRequiredService<IOptions<PlumtreeHostingOptions>>().Value.LeaveTimeout;
        await node.LeaveAsync(timeout, context.RequestAborted).ConfigureAwait(false);
        return Json(new ActionResponse(true, $"{node.Name} left the cluster; rejoin with 'plumtree join ADDR' (POST /v1/join)"), AdminJsonContext.Relaxed.ActionResponse);
    });

    private static Task<IResult> RebalanceAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        var node = Node(context);
        await node.RebalancePeersAsync(context.RequestAborted).ConfigureAwait(false);
        var message = $"peers rebalanced: eager [{string.Join(", ", node.EagerPeers)}], lazy [{string.Join(", ", node.LazyPeers)}]";
        return Json(new ActionResponse(true, message), AdminJsonContext.Relaxed.ActionResponse);
    });

    private static Task<IResult> ClearCacheAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        var node = Node(context);
        var before = node.CacheSize;
        await node.ClearCacheAsync(context.RequestAborted).ConfigureAwait(false);
        return Json(new ActionResponse(true, $"message cache cleared ({before} entries removed)"), AdminJsonContext.Relaxed.ActionResponse);
    });
}
