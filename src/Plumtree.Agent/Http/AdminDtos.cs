using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Plumtree.Agent.Http;

// The JSON shapes of the HTTP admin. They are a contract with operators' scripts (docs/http.md): names are explicit.

/// <summary>One member.</summary>
internal sealed record MemberDto(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string> Tags);

/// <summary><c>GET /v1/members</c>.</summary>
internal sealed record MembersResponse([property: JsonPropertyName("members")] IReadOnlyList<MemberDto> Members);

/// <summary><c>GET /debug/peers</c>.</summary>
internal sealed record PeersResponse(
    [property: JsonPropertyName("self")] string Self,
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("eager")] IReadOnlyList<string> Eager,
    [property: JsonPropertyName("lazy")] IReadOnlyList<string> Lazy,
    [property: JsonPropertyName("cross_zone")] IReadOnlyList<string> CrossZone,
    [property: JsonPropertyName("ring_neighbors")] IReadOnlyList<string> RingNeighbors,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberDto> Members);

/// <summary><c>GET /debug/state</c>: the recovery guide's state export.</summary>
internal sealed record StateResponse(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("eager_peers")] IReadOnlyList<string> EagerPeers,
    [property: JsonPropertyName("lazy_peers")] IReadOnlyList<string> LazyPeers,
    [property: JsonPropertyName("ring_neighbors")] IReadOnlyList<string> RingNeighbors,
    [property: JsonPropertyName("cache_size")] int CacheSize,
    [property: JsonPropertyName("pending_grafts")] int PendingGrafts,
    [property: JsonPropertyName("members")] IReadOnlyDictionary<string, int> Members,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>One check in <c>GET /health</c>.</summary>
internal sealed record HealthCheckDto(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("data")] JsonObject Data);

/// <summary><c>GET /health</c>.</summary>
internal sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("checks")] IReadOnlyDictionary<string, HealthCheckDto> Checks);

/// <summary><c>POST /v1/broadcast</c> (202).</summary>
internal sealed record BroadcastResponse([property: JsonPropertyName("id")] string Id);

/// <summary>One delivery in <c>GET /v1/messages</c> and in the stream.</summary>
internal sealed record MessageDto(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("hops")] int Hops,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("recovered")] bool Recovered);

/// <summary><c>GET /v1/messages</c>.</summary>
internal sealed record MessagesResponse([property: JsonPropertyName("messages")] IReadOnlyList<MessageDto> Messages);

/// <summary><c>POST /v1/join</c> request.</summary>
internal sealed record JoinRequest([property: JsonPropertyName("addresses")] IReadOnlyList<string>? Addresses);

/// <summary><c>POST /v1/join</c> response.</summary>
internal sealed record JoinResponse([property: JsonPropertyName("contacted")] int Contacted);

/// <summary>The answer of <c>POST /v1/leave</c>, <c>/v1/rebalance</c>, <c>/v1/cache/clear</c>.</summary>
internal sealed record ActionResponse(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("message")] string Message);

/// <summary>Every error: 4xx/5xx with a sentence, and per-cause detail when there is some.</summary>
internal sealed record ErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("details")] IReadOnlyList<string>? Details = null);

/// <summary><c>plumtree keygen --json</c>.</summary>
internal sealed record KeygenResponse([property: JsonPropertyName("key")] string Key);

/// <summary>One peer's last anti-entropy round in <c>GET /debug/sync</c>.</summary>
internal sealed record SyncPeerDto(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("last_round")] DateTimeOffset? LastRound,
    [property: JsonPropertyName("last_result")] string? LastResult,
    [property: JsonPropertyName("last_need")] int LastNeed,
    [property: JsonPropertyName("last_have")] int LastHave,
    [property: JsonPropertyName("rounds_ok")] long RoundsOk,
    [property: JsonPropertyName("rounds_failed")] long RoundsFailed,
    [property: JsonPropertyName("bytes_sent")] long BytesSent,
    [property: JsonPropertyName("bytes_received")] long BytesReceived);

/// <summary><c>GET /debug/sync</c>: anti-entropy state.</summary>
internal sealed record SyncResponse(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("messages")] int Messages,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("floor")] DateTimeOffset Floor,
    [property: JsonPropertyName("joined")] DateTimeOffset Joined,
    [property: JsonPropertyName("active_round_peer")] string? ActiveRoundPeer,
    [property: JsonPropertyName("peers")] IReadOnlyList<SyncPeerDto> Peers);

/// <summary><c>POST /v1/sync</c> request (the body is optional).</summary>
internal sealed record SyncRequest([property: JsonPropertyName("peer")] string? Peer);

/// <summary><c>POST /v1/cache/verify</c>: the message store check.</summary>
internal sealed record CacheVerifyResponse(
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("intact")] int Intact,
    [property: JsonPropertyName("corrupt_removed")] int CorruptRemoved,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary><c>POST /v1/keys/install|use|remove</c> request.</summary>
internal sealed record KeyRequest([property: JsonPropertyName("key")] string? Key);

/// <summary><c>GET /v1/keys</c> and <c>POST /v1/keys/*</c>: what every node answered to a cluster-wide key command.</summary>
internal sealed record KeysResponse(
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("nodes_asked")] int NodesAsked,
    [property: JsonPropertyName("nodes_answered")] int NodesAnswered,
    [property: JsonPropertyName("nodes_failed")] int NodesFailed,
    [property: JsonPropertyName("keys")] IReadOnlyList<KeyHoldersDto> Keys,
    [property: JsonPropertyName("nodes")] IReadOnlyList<KeyNodeDto> Nodes,
    [property: JsonPropertyName("not_answered")] IReadOnlyList<string> NotAnswered);

/// <summary>One key across the nodes that answered.</summary>
internal sealed record KeyHoldersDto(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("nodes")] int Nodes,
    [property: JsonPropertyName("primary_on")] IReadOnlyList<string> PrimaryOn);

/// <summary>One node's answer.</summary>
internal sealed record KeyNodeDto(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("primary_key")] string? PrimaryKey,
    [property: JsonPropertyName("keys")] IReadOnlyList<string> Keys);

/// <summary>A <c>snapshot</c> event of <c>GET /v1/events</c>: what the dashboard shows besides deliveries.</summary>
internal sealed record SnapshotDto(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("peers")] PeersResponse? Peers,
    [property: JsonPropertyName("health")] HealthResponse Health,
    [property: JsonPropertyName("sync")] SyncResponse? Sync,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>One node's eager and lazy peers in <c>GET /debug/cluster</c>; <c>error</c> says why they are missing.</summary>
internal sealed record ClusterViewDto(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("eager")] IReadOnlyList<string> Eager,
    [property: JsonPropertyName("lazy")] IReadOnlyList<string> Lazy,
    [property: JsonPropertyName("error")] string? Error);

/// <summary><c>GET /debug/cluster</c>: the overlay as each reachable node sees it.</summary>
internal sealed record ClusterResponse(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("gathered_at")] DateTimeOffset GatheredAt,
    [property: JsonPropertyName("views")] IReadOnlyList<ClusterViewDto> Views,
    [property: JsonPropertyName("not_asked")] IReadOnlyList<string> NotAsked);
