using Plumtree.Broadcast;
using Plumtree.Sync;

namespace Plumtree.Simulator.Core;

/// <summary>
/// Sync peers (<c>--sync</c>): with <c>--sync-peers view</c> every member of the node's view, as <c>PlumtreeNode</c>
/// does; with <c>--sync-peers overlay</c> only its Plumtree peers. Members that come back are returning.
/// </summary>
internal sealed partial class Simulation
{
    private readonly PeerView?[]? _syncView;
    private readonly string[]?[]? _syncOverlayPeers;
    private readonly long[]? _syncPeerVersion;
    private readonly HashSet<string>?[]? _returned;
    private readonly Dictionary<(PeerView Old, PeerView New), (string[] Removed, string[] Added, HashSet<string> AddedSet)> _viewDiffs = [];

    /// <summary>
    /// Gives node <paramref name="node"/> its view: the broadcast engine, then the sync peers (view mode), or notes the
    /// members that came back for the overlay peers that follow (overlay mode, in <see cref="AfterInput"/>).
    /// </summary>
    private void SetNodeView(int node, PeerView view)
    {
        _engines![node]!.SetView(view, Now);
        if (_syncs?[node] is { } sync)
        {
            if (_config.SyncPeers == SyncPeers.View)
            {
                UpdateSyncPeers(node, sync, view);
            }
            else
            {
                var old = _syncView![node];
                if (!ReferenceEquals(old, view))
                {
                    // Members that came back into the view (every member was in the first, full view) are returning.
                    _returned![node] = old is { Count: > 0 } ? ViewDiff(old, view).AddedSet : null;
                    _syncView[node] = view;
                }
            }
        }

        AfterInput(node);
        if (_syncs?[node] is not null)
        {
            AfterSyncInput(node);
        }
    }

    /// <summary>
    /// Overlay mode: the sync peers follow the broadcast engine's peer sets (eager and lazy). A new peer is returning when
    /// it came back into the view at the node's last view change, or when it is the first peer of a node that had none.
    /// </summary>
    private void UpdateOverlaySyncPeers(int node, BroadcastEngine engine, SyncEngine sync)
    {
        _syncPeerVersion![node] = engine.PeerSetVersion;
        var current = new HashSet<string>(engine.EagerPeers, StringComparer.Ordinal);
        current.UnionWith(engine.LazyPeers);
        var old = _syncOverlayPeers![node] ?? [];
        var now = NowMs;
        foreach (var name in old)
        {
            if (!current.Contains(name))
            {
                sync.PeerDown(name, now);
            }
        }

        var alone = old.Length == 0;
        var returned = _returned![node];
        var next = current.Order(StringComparer.Ordinal).ToArray();
        foreach (var name in next)
        {
            if (Array.IndexOf(old, name) < 0)
            {
                sync.PeerUp(name, returning: alone || (returned?.Contains(name) ?? false), now);
                alone = false;
            }
        }

        _syncOverlayPeers[node] = next;
        AfterSyncInput(node);
    }

    /// <summary>
    /// As the node does (<c>PlumtreeNode.UpdateSyncPeers</c>, <see cref="SyncEngine.SetPeers"/>): the sync peers follow
    /// the broadcast view, and the engine decides which new ones come back (<see cref="SyncEngine.PeerUp(string, long)"/>).
    /// </summary>
    private void UpdateSyncPeers(int node, SyncEngine sync, PeerView view)
    {
        if (ReferenceEquals(_syncView![node], view))
        {
            return;
        }

        // The shared diff of the two views (one computation per pair): SetPeers with the whole view costs O(n) per node.
        var (removed, added, _) = ViewDiff(_syncView[node] ?? PeerView.Empty, view);
        var self = _names[node];
        var now = NowMs;
        foreach (var name in removed)
        {
            if (!string.Equals(name, self, StringComparison.Ordinal))
            {
                sync.PeerDown(name, now);
            }
        }

        foreach (var name in added)
        {
            if (!string.Equals(name, self, StringComparison.Ordinal))
            {
                sync.PeerUp(name, now);
            }
        }

        _syncView[node] = view;
    }

    /// <summary>Members of <paramref name="old"/> not in <paramref name="next"/>, and the reverse (ring order); one computation per pair of shared views.</summary>
    private (string[] Removed, string[] Added, HashSet<string> AddedSet) ViewDiff(PeerView old, PeerView next)
    {
        if (!_viewDiffs.TryGetValue((old, next), out var diff))
        {
            var removed = new List<string>();
            foreach (var name in old.Ring)
            {
                if (!next.Contains(name))
                {
                    removed.Add(name);
                }
            }

            var added = new List<string>();
            foreach (var name in next.Ring)
            {
                if (!old.Contains(name))
                {
                    added.Add(name);
                }
            }

            diff = ([.. removed], [.. added], new HashSet<string>(added, StringComparer.Ordinal));
            _viewDiffs.Add((old, next), diff);
        }

        return diff;
    }
}
