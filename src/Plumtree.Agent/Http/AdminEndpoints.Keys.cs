using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Plumtree.Node;

namespace Plumtree.Agent.Http;

/// <summary>Live key rotation (<c>serf keys</c>): list, install, use, remove, each cluster-wide with a report.</summary>
internal static partial class AdminEndpoints
{
    private static Task<IResult> ListKeysAsync(HttpContext context) => KeyCommandAsync(context, KeyOperation.List);

    private static Task<IResult> InstallKeyAsync(HttpContext context) => KeyCommandAsync(context, KeyOperation.Install);

    private static Task<IResult> UseKeyAsync(HttpContext context) => KeyCommandAsync(context, KeyOperation.Use);

    private static Task<IResult> RemoveKeyAsync(HttpContext context) => KeyCommandAsync(context, KeyOperation.Remove);

    private static Task<IResult> KeyCommandAsync(HttpContext context, KeyOperation operation) => GuardAsync(context, async () =>
    {
        string? key = null;
        if (operation != KeyOperation.List)
        {
            KeyRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync(context.Request.Body, AdminJsonContext.Relaxed.KeyRequest, context.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                return Error(StatusCodes.Status400BadRequest, $"body is not JSON of the form {{\"key\":\"BASE64\"}}: {ex.Message}");
            }

            key = request?.Key;
            if (string.IsNullOrWhiteSpace(key) || !Configuration.AgentConfiguration.IsAesKey(key.Trim()))
            {
                return Error(StatusCodes.Status400BadRequest, "\"key\" must be base64 of a 16, 24 or 32 byte AES key (make one with 'plumtree keygen')");
            }
        }

        var report = await Node(context).RunKeyCommandAsync(operation, key, context.RequestAborted).ConfigureAwait(false);
        return Json(ToDto(report), AdminJsonContext.Relaxed.KeysResponse);
    });

    internal static KeysResponse ToDto(KeyringReport report) => new(
        report.Operation.ToString().ToLowerInvariant(),
        report.Key,
        report.Succeeded,
        report.NodesAsked,
        report.NodesAnswered,
        report.NodesFailed,
        [.. report.Keys.Select(k => new KeyHoldersDto(k.Key, k.Nodes, k.PrimaryOn))],
        [.. report.Nodes.Select(n => new KeyNodeDto(n.Node, n.Error, n.PrimaryKey, n.Keys))],
        report.NotAnswered);
}
