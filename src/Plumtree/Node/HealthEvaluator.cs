using Plumtree.Broadcast;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// Node health from a published snapshot and the stream transport's failing peers: five checks, the worst one wins (documented in
/// <c>docs/configuration.md</c>, section Node). Pure: the same inputs give the same result.
/// </summary>
internal static class HealthEvaluator
{
    /// <summary>Evaluates <c>peers</c>, <c>eager_peers</c>, <c>streams</c>, <c>graft_failures</c> and <c>cache</c>.</summary>
    /// <param name="snapshot">The node's latest snapshot.</param>
    /// <param name="running">The node runs (started, not stopping).</param>
    /// <param name="options">The node's health settings.</param>
    /// <param name="cacheCapacity">The broadcast cache bound (entries).</param>
    /// <param name="failingStreams">Peers whose outbound Plumtree stream keeps failing (the transport's <c>FailingPeers</c>).</param>
    public static NodeHealth Evaluate(NodeSnapshot snapshot, bool running, PlumtreeNodeOptions options, int cacheCapacity, IReadOnlyCollection<string>? failingStreams = null)
    {
        var broadcast = snapshot.Broadcast;
        var checks = new Dictionary<string, HealthCheckResult>(StringComparer.Ordinal);
        var eager = broadcast.EagerPeers.Count;
        var lazy = broadcast.LazyPeers.Count;
        var total = eager + lazy;
        running = running && snapshot.Running;

        checks["peers"] = PeersCheck(running, snapshot, eager, lazy, total);
        checks["eager_peers"] = total > 0 && eager == 0
            ? new HealthCheckResult(HealthStatus.Degraded, $"{lazy} lazy peer(s) but no eager peer: every message waits for a graft (rebalance_peers restores the targets).", Data(("eager", eager), ("lazy", lazy)))
            : new HealthCheckResult(HealthStatus.Healthy, total == 0 ? "0 eager peer(s): no peers at all (the peers check says why)." : $"{eager} eager peer(s).", Data(("eager", eager), ("lazy", lazy)));

        checks["streams"] = StreamsCheck(broadcast, failingStreams ?? [], options);

        var failures = snapshot.GraftFailuresInWindow;
        var threshold = options.HealthGraftFailureThreshold;
        var window = options.HealthWindow;
        checks["graft_failures"] = failures > threshold
            ? new HealthCheckResult(HealthStatus.Degraded, $"{failures} graft failure(s) in the last {window.TotalSeconds:0.#} s (threshold {threshold}): messages announced to this node could not be fetched.", Data(("failures", failures), ("threshold", threshold), ("window_seconds", window.TotalSeconds)))
            : new HealthCheckResult(HealthStatus.Healthy, $"{failures} graft failure(s) in the last {window.TotalSeconds:0.#} s.", Data(("failures", failures), ("threshold", threshold), ("window_seconds", window.TotalSeconds)));

        var ratio = cacheCapacity == 0 ? 0 : (double)broadcast.CacheSize / cacheCapacity;
        checks["cache"] = ratio >= options.HealthCacheNearCapacityRatio
            ? new HealthCheckResult(HealthStatus.Degraded, $"The message cache is {ratio:P0} full ({broadcast.CacheSize} of {cacheCapacity}): the oldest messages are evicted before their TTL and cannot serve grafts.", Data(("size", broadcast.CacheSize), ("capacity", cacheCapacity), ("ratio", ratio)))
            : new HealthCheckResult(HealthStatus.Healthy, $"The message cache holds {broadcast.CacheSize} of {cacheCapacity}.", Data(("size", broadcast.CacheSize), ("capacity", cacheCapacity), ("ratio", ratio)));

        var worst = checks.Values.Max(static c => c.Status);
        var problems = checks.Where(static c => c.Value.Status != HealthStatus.Healthy).Select(static c => $"{c.Key}: {c.Value.Description}").ToList();
        var message = problems.Count == 0
            ? $"Healthy: {eager} eager and {lazy} lazy peer(s), {snapshot.MemberCounts.GetValueOrDefault(MemberState.Alive)} alive member(s)."
            : string.Join(" ", problems);
        return new NodeHealth(worst, message, checks);
    }

    /// <summary>
    /// Degraded when at least half of the Plumtree peers (and at least one) are peers whose outbound stream keeps
    /// failing: what this node broadcasts does not get out, whatever the peer counts say.
    /// </summary>
    private static HealthCheckResult StreamsCheck(BroadcastSnapshot broadcast, IReadOnlyCollection<string> failingStreams, PlumtreeNodeOptions options)
    {
        var failing = failingStreams.Where(p => broadcast.EagerPeers.Contains(p) || broadcast.LazyPeers.Contains(p)).Order(StringComparer.Ordinal).ToArray();
        var total = broadcast.EagerPeers.Count + broadcast.LazyPeers.Count;
        var window = options.HealthWindow.TotalSeconds;
        var threshold = options.Streams?.HealthFailureThreshold ?? 3;
        var data = Data(("failing", failing.Length), ("total", total), ("threshold", threshold), ("window_seconds", window), ("failing_peers", string.Join(",", failing)));
        return failing.Length > 0 && failing.Length * 2 >= total
            ? new HealthCheckResult(HealthStatus.Degraded, $"Outbound streams to {failing.Length} of {total} Plumtree peer(s) keep failing ({string.Join(", ", failing)}: {threshold}+ attempts in a row refused or unreachable, the last within {window:0.#} s): broadcasts from this node may not get out.", data)
            : new HealthCheckResult(HealthStatus.Healthy, $"Outbound streams to {failing.Length} of {total} Plumtree peer(s) failing.", data);
    }

    private static HealthCheckResult PeersCheck(bool running, NodeSnapshot snapshot, int eager, int lazy, int total)
    {
        var data = Data(("total", total), ("eager", eager), ("lazy", lazy), ("alive_members", snapshot.MemberCounts.GetValueOrDefault(MemberState.Alive)));
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

        if (snapshot.Leaving)
        {
            return new HealthCheckResult(HealthStatus.Unhealthy, "The node has left the cluster: no Plumtree peers until it joins again.", data);
        }

        // Live members, none of them Plumtree-capable (memberlist or serf nodes without the "pt" tag): membership works and
        // leave/join cannot help; there is simply nobody to broadcast to. Degraded, not Unhealthy (docs/configuration.md, Health).
        var live = LiveOthers(snapshot);
        if (live.Count > 0 && live.All(static m => !m.IsPlumtreePeer))
        {
            data["live_members"] = live.Count;
            data["capable_members"] = 0;
            return new HealthCheckResult(HealthStatus.Degraded, $"No Plumtree-capable peers among {live.Count} live member(s): the other members speak memberlist but not Plumtree (no \"pt\" tag), so broadcasts from this node reach no one until a Plumtree node joins.", data);
        }

        return new HealthCheckResult(HealthStatus.Unhealthy, "No Plumtree peers: the node is isolated and cannot deliver broadcasts (check connectivity to the seeds, then leave and join again).", data);
    }

    /// <summary>The other members that are alive or suspect (not this node, not dead or left).</summary>
    private static List<MemberInfo> LiveOthers(NodeSnapshot snapshot) =>
        snapshot.Members
            .Where(m => m.State is MemberState.Alive or MemberState.Suspect && !string.Equals(m.Name, snapshot.Broadcast.Self, StringComparison.Ordinal))
            .ToList();

    private static Dictionary<string, object> Data(params (string Key, object Value)[] items) =>
        items.ToDictionary(static i => i.Key, static i => i.Value, StringComparer.Ordinal);
}
