namespace Plumtree.Node;

// Health: four checks on the published snapshot; the worst one wins.
public sealed partial class PlumtreeNode
{
    /// <summary>
    /// Health, the worst of four checks (documented in <c>docs/configuration.md</c>, section Node):
    /// <c>peers</c> — no Plumtree peers is Unhealthy, unless the node is a lone seed (started, never joined
    /// anyone, no other member known); <c>eager_peers</c> — peers but none eager is Degraded;
    /// <c>graft_failures</c> — more than <see cref="PlumtreeNodeOptions.HealthGraftFailureThreshold"/> within
    /// <see cref="PlumtreeNodeOptions.HealthWindow"/> is Degraded; <c>cache</c> — at least
    /// <see cref="PlumtreeNodeOptions.HealthCacheNearCapacityRatio"/> of the cache bound is Degraded. A node
    /// that is not running is Unhealthy.
    /// </summary>
    public NodeHealth GetHealth()
    {
        var snapshot = _snapshot;
        var broadcast = snapshot.Broadcast;
        var checks = new Dictionary<string, HealthCheckResult>(StringComparer.Ordinal);
        var eager = broadcast.EagerPeers.Count;
        var lazy = broadcast.LazyPeers.Count;
        var total = eager + lazy;
        var running = snapshot.Running && State == Lifecycle.Running;

        checks["peers"] = PeersCheck(running, snapshot, eager, lazy, total);
        checks["eager_peers"] = total > 0 && eager == 0
            ? new HealthCheckResult(HealthStatus.Degraded, $"{lazy} lazy peer(s) but no eager peer: every message waits for a graft (rebalance_peers restores the targets).", Data(("eager", eager), ("lazy", lazy)))
            : new HealthCheckResult(HealthStatus.Healthy, total == 0 ? "0 eager peer(s): no peers at all (the peers check says why)." : $"{eager} eager peer(s).", Data(("eager", eager), ("lazy", lazy)));

        var failures = snapshot.GraftFailuresInWindow;
        var threshold = _options.HealthGraftFailureThreshold;
        var window = _options.HealthWindow;
        checks["graft_failures"] = failures > threshold
            ? new HealthCheckResult(HealthStatus.Degraded, $"{failures} graft failure(s) in the last {window.TotalSeconds:0.#} s (threshold {threshold}): messages announced to this node could not be fetched.", Data(("failures", failures), ("threshold", threshold), ("window_seconds", window.TotalSeconds)))
            : new HealthCheckResult(HealthStatus.Healthy, $"{failures} graft failure(s) in the last {window.TotalSeconds:0.#} s.", Data(("failures", failures), ("threshold", threshold), ("window_seconds", window.TotalSeconds)));

        var capacity = _broadcastOptions.CacheMaxEntries;
        var ratio = capacity == 0 ? 0 : (double)broadcast.CacheSize / capacity;
        checks["cache"] = ratio >= _options.HealthCacheNearCapacityRatio
            ? new HealthCheckResult(HealthStatus.Degraded, $"The message cache is {ratio:P0} full ({broadcast.CacheSize} of {capacity}): the oldest messages are evicted before their TTL and cannot serve grafts.", Data(("size", broadcast.CacheSize), ("capacity", capacity), ("ratio", ratio)))
            : new HealthCheckResult(HealthStatus.Healthy, $"The message cache holds {broadcast.CacheSize} of {capacity}.", Data(("size", broadcast.CacheSize), ("capacity", capacity), ("ratio", ratio)));

        var worst = checks.Values.Max(static c => c.Status);
        var problems = checks.Where(static c => c.Value.Status != HealthStatus.Healthy).Select(static c => $"{c.Key}: {c.Value.Description}").ToList();
        var message = problems.Count == 0
            ? $"Healthy: {eager} eager and {lazy} lazy peer(s), {snapshot.MemberCounts.GetValueOrDefault(Membership.MemberState.Alive)} alive member(s)."
            : string.Join(" ", problems);
        return new NodeHealth(worst, message, checks);
    }

    private static HealthCheckResult PeersCheck(bool running, NodeSnapshot snapshot, int eager, int lazy, int total)
    {
        var data = Data(("total", total), ("eager", eager), ("lazy", lazy), ("alive_members", snapshot.MemberCounts.GetValueOrDefault(Membership.MemberState.Alive)));
        if (!running)
        {
            return new HealthCheckResult(HealthStatus.Unhealthy, "The node is not running.", data);
        }

        if (total > 0)
        {
            return new HealthCheckResult(HealthStatus.Healthy, $"{total} Plumtree peer(s).", data);
        }

        if (snapshot.LoneSeed)
        {
            return new HealthCheckResult(HealthStatus.Healthy, "Lone seed: started and waiting for others to join.", data);
        }

        return snapshot.Leaving
            ? new HealthCheckResult(HealthStatus.Unhealthy, "The node has left the cluster: no Plumtree peers until it joins again.", data)
            : new HealthCheckResult(HealthStatus.Unhealthy, "No Plumtree peers: the node is isolated and cannot deliver broadcasts (check connectivity to the seeds, then leave and join again).", data);
    }

    private static Dictionary<string, object> Data(params (string Key, object Value)[] items) =>
        items.ToDictionary(static i => i.Key, static i => i.Value, StringComparer.Ordinal);
}
