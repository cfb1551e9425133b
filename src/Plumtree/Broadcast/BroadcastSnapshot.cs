namespace Plumtree.Broadcast;

/// <summary>An immutable export of a broadcast engine's operator-visible state.</summary>
/// <param name="Self">Node name.</param>
/// <param name="EagerPeers">Eager peers, sorted.</param>
/// <param name="LazyPeers">Lazy peers, sorted.</param>
/// <param name="RingNeighbors">Hash-ring neighbours, sorted.</param>
/// <param name="CacheSize">Cached payloads.</param>
/// <param name="PendingGrafts">Missing messages waiting on a graft.</param>
/// <param name="DedupSize">Ids remembered for de-duplication.</param>
/// <param name="ViewSize">Members in the current view (self included if present).</param>
/// <param name="Now">The engine time the snapshot was taken at.</param>
public sealed record BroadcastSnapshot(
    string Self,
    IReadOnlyList<string> EagerPeers,
    IReadOnlyList<string> LazyPeers,
    IReadOnlyList<string> RingNeighbors,
    int CacheSize,
    int PendingGrafts,
    int DedupSize,
    int ViewSize,
    TimeSpan Now)
{
    /// <summary>This node's zone in the view, or null when it has none.</summary>
    public string? Zone { get; init; }

    /// <summary>The eager and lazy peers in another zone than this node's, sorted.</summary>
    public IReadOnlyList<string> CrossZonePeers { get; init; } = [];
}
