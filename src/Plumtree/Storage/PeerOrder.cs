namespace Plumtree.Storage;

/// <summary>The order stores return peers in: most recently seen first, ties by name (ordinal).</summary>
internal static class PeerOrder
{
    public static IOrderedEnumerable<KnownPeer> MostRecentFirst(IEnumerable<KnownPeer> peers) =>
        peers.OrderByDescending(static p => p.LastSeen).ThenBy(static p => p.Name, StringComparer.Ordinal);
}
