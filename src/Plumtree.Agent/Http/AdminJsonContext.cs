using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Plumtree.Agent.Http;

/// <summary>Source-generated JSON for every admin shape (no reflection at run time).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false)]
[JsonSerializable(typeof(MembersResponse))]
[JsonSerializable(typeof(PeersResponse))]
[JsonSerializable(typeof(StateResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(BroadcastResponse))]
[JsonSerializable(typeof(MessagesResponse))]
[JsonSerializable(typeof(MessageDto))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinResponse))]
[JsonSerializable(typeof(ActionResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(KeygenResponse))]
[JsonSerializable(typeof(SyncResponse))]
[JsonSerializable(typeof(SyncRequest))]
[JsonSerializable(typeof(CacheVerifyResponse))]
[JsonSerializable(typeof(KeyRequest))]
[JsonSerializable(typeof(KeysResponse))]
[JsonSerializable(typeof(SnapshotDto))]
[JsonSerializable(typeof(ClusterResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the agent uses: escapes only what JSON requires, so base64 payloads and ids read as they are
    /// (<c>+</c>, not <c>\u002B</c>). The admin API serves JSON, never HTML.
    /// </summary>
    public static AdminJsonContext Relaxed { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
