using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Plumtree.Hosting;
using Plumtree.Storage;

namespace Plumtree.Agent.Http;

/// <summary>Anti-entropy and the message store: status, a round now, the store check.</summary>
internal static partial class AdminEndpoints
{
    private static Task<IResult> Sync(HttpContext context) => GuardAsync(context, () =>
        Task.FromResult(Json(BuildSync(Node(context)), AdminJsonContext.Relaxed.SyncResponse)));

    /// <summary>The <c>/debug/sync</c> answer (also sent in the dashboard's snapshots).</summary>
    internal static SyncResponse BuildSync(IPlumtreeNodeHandle node)
    {
        var status = node.SyncStatus;
        var peers = status.Peers
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new SyncPeerDto(
                p.Name,
                p.LastRoundUnixMilliseconds is { } last ? DateTimeOffset.FromUnixTimeMilliseconds(last) : null,
                p.LastResult,
                p.LastNeed,
                p.LastHave,
                p.RoundsOk,
                p.RoundsFailed,
                p.BytesSent,
                p.BytesReceived))
            .ToArray();
        return new SyncResponse(
            node.Name,
            status.Enabled,
            status.Messages,
            status.Bytes,
            DateTimeOffset.FromUnixTimeMilliseconds(status.FloorUnixMilliseconds),
            DateTimeOffset.FromUnixTimeMilliseconds(status.JoinedUnixMilliseconds),
            status.ActiveRoundPeer,
            peers);
    }

    private static Task<IResult> SyncNowAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        string? peer = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                var request = await JsonSerializer.DeserializeAsync(context.Request.Body, AdminJsonContext.Relaxed.SyncRequest, context.RequestAborted).ConfigureAwait(false);
                peer = string.IsNullOrWhiteSpace(request?.Peer) ? null : request.Peer;
            }
            catch (JsonException ex)
            {
                return Error(StatusCodes.Status400BadRequest, $"body is not JSON of the form {{\"peer\":\"name\"}} (or empty for a random peer): {ex.Message}");
            }
        }

        var node = Node(context);
        if (!node.SyncStatus.Enabled)
        {
            return Error(StatusCodes.Status409Conflict, "anti-entropy is disabled (Plumtree:Sync:Enabled = false)");
        }

        var started = await node.SyncNowAsync(peer, context.RequestAborted).ConfigureAwait(false);
        if (started is null)
        {
            return peer is null
                ? Error(StatusCodes.Status409Conflict, "no live peer to sync with (not joined, or alone)")
                : Error(StatusCodes.Status404NotFound, $"'{peer}' is not a live Plumtree peer of {node.Name}; see GET /v1/members");
        }

        return Json(new ActionResponse(true, $"anti-entropy round started with {started}; see GET /debug/sync for its result"), AdminJsonContext.Relaxed.ActionResponse);
    });

    private static Task<IResult> VerifyCacheAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        MessageStoreVerification result;
        try
        {
            result = await Node(context).VerifyStoreAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (MessageStoreException ex)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, $"the message store could not be read: {ex.Message}");
        }

        return Json(new CacheVerifyResponse(result.Rows, result.Intact, result.CorruptRemoved, result.Bytes, result.Detail), AdminJsonContext.Relaxed.CacheVerifyResponse);
    });
}
