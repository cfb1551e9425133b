using System.Collections.Concurrent;
using System.Net;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;
using Plumtree.Transport;

namespace Plumtree.Tests.Node;

/// <summary>
/// A loopback cluster of real nodes (127.0.0.1, free ports, the <c>local</c> membership profile) sharing one
/// fault injector, with a delivery log per node. Every wait is bounded.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    /// <summary>Upper bound of every wait (a hang fails the test instead of blocking the run).</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static int s_clusterId;

    private NodeCluster(string prefix, FaultInjector faults)
    {
        Prefix = prefix;
        Faults = faults;
        Interceptor = new ClusterInterceptor(faults);
    }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string Prefix { get; }

    public FaultInjector Faults { get; }

    /// <summary>Every node's interceptor: <see cref="Faults"/> plus an optional extra rule.</summary>
    public ClusterInterceptor Interceptor { get; }

    public List<PlumtreeNode> Nodes { get; } = [];

    /// <summary>Deliveries per node name: message id → times delivered.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<MessageId, int>> Deliveries { get; } = new(StringComparer.Ordinal);

    public HashSet<PlumtreeNode> Stopped { get; } = [];

    public IEnumerable<PlumtreeNode> Live => Nodes.Where(n => !Stopped.Contains(n));

    /// <summary>Fast failure detection for tests: suspicion ends after about a second instead of many.</summary>
    public static MembershipOptions FastMembership(MembershipOptions o) => o with
    {
        ProbeInterval = TimeSpan.FromMilliseconds(200),
        ProbeTimeout = TimeSpan.FromMilliseconds(100),
        SuspicionMult = 2,
        SuspicionMaxTimeoutMult = 2,
        GossipInterval = TimeSpan.FromMilliseconds(50),
        GossipToTheDeadTime = TimeSpan.FromSeconds(5),
        PushPullInterval = TimeSpan.FromSeconds(5),
    };

    public static PlumtreeNodeOptions Options(string name, ITransportInterceptor? faults, BroadcastOptions? broadcast = null, bool fastMembership = true) => new()
    {
        NodeName = name,
        BindAddress = "127.0.0.1",
        BindPort = 0,
        Profile = "local",
        Broadcast = broadcast,
        RandomSeed = name.GetHashCode(StringComparison.Ordinal),
        Interceptor = faults,
        ConfigureMembership = fastMembership ? FastMembership : null,
        ReconnectInterval = TimeSpan.FromSeconds(2),
    };

    /// <summary>Starts <paramref name="count"/> nodes, joins them all through the first and waits until every node knows every other and has peers.</summary>
    public static async Task<NodeCluster> StartAsync(int count, BroadcastOptions? broadcast = null, Action<PlumtreeNodeOptions>? configure = null, bool fastMembership = true, int faultSeed = 1)
    {
        var prefix = $"c{Interlocked.Increment(ref s_clusterId)}";
        var cluster = new NodeCluster(prefix, new FaultInjector(faultSeed));
        try
        {
            for (var i = 0; i < count; i++)
            {
                var options = Options($"{prefix}-n{i}", cluster.Interceptor, broadcast, fastMembership);
                configure?.Invoke(options);
                await cluster.AddAsync(options, join: i > 0);
            }

            await cluster.WaitConvergedAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<PlumtreeNode> AddAsync(PlumtreeNodeOptions options, bool join)
    {
        var node = new PlumtreeNode(options);
        var log = Deliveries.GetOrAdd(node.Name, _ => new ConcurrentDictionary<MessageId, int>());
        node.MessageReceived += m => log.AddOrUpdate(m.Id, 1, (_, n) => n + 1);
        Nodes.Add(node);
        await node.StartAsync(Ct);
        Faults.Register(node.Name, node.AdvertisedEndPoint);
        if (join)
        {
            await node.JoinAsync([Nodes[0].AdvertisedEndPoint], Ct).WaitAsync(WaitLimit, Ct);
        }

        return node;
    }

    /// <summary>Every live node sees every live node alive and has at least one Plumtree peer.</summary>
    public Task WaitConvergedAsync(string what = "the cluster converges")
    {
        var live = Live.ToList();
        var names = live.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        return Until(
            () => live.All(n =>
                names.All(name => n.Members.Any(m => m.Name == name && m.State == MemberState.Alive))
                && (live.Count == 1 || n.EagerPeers.Count + n.LazyPeers.Count > 0)),
            () => what + ": " + string.Join(", ", live.Select(n =>
                $"{n.Name} sees [{string.Join(" ", n.Members.Select(m => $"{m.Name[^2..]}:{m.State}"))}] peers=[{string.Join(" ", n.EagerPeers.Concat(n.LazyPeers))}] view={n.Snapshot.Broadcast.ViewSize}")));
    }

    /// <summary>
    /// Every node has at least <paramref name="minPeers"/> peers (or every other node in a small cluster). The
    /// relation may still be one-sided here and there while views settle; the first frames over such a link fix it.
    /// </summary>
    public Task WaitOverlayAsync(int minPeers)
    {
        var live = Live.ToList();
        List<string> Peers(PlumtreeNode node) => [.. node.EagerPeers, .. node.LazyPeers];
        return Until(
            () => live.All(n => Peers(n).Count >= Math.Min(minPeers, live.Count - 1)),
            () => "the overlay fills: " + string.Join(", ", live.Select(n => $"{n.Name}=[{string.Join(" ", Peers(n))}] ring=[{string.Join(" ", n.RingNeighbors)}] view={n.Snapshot.Broadcast.ViewSize}")));
    }

    public async Task<MessageId> BroadcastAsync(PlumtreeNode from, int index)
    {
        var payload = BitConverter.GetBytes(index);
        return await from.BroadcastAsync(payload, Ct).AsTask().WaitAsync(WaitLimit, Ct);
    }

    /// <summary>Waits until every node in <paramref name="nodes"/> delivered every id in <paramref name="ids"/>.</summary>
    public Task WaitDeliveredAsync(IReadOnlyCollection<MessageId> ids, IEnumerable<PlumtreeNode>? nodes = null)
    {
        var targets = (nodes ?? Live).ToList();
        return Until(
            () => targets.All(n => ids.All(Deliveries[n.Name].ContainsKey)),
            () => $"every node delivers {ids.Count} messages; missing: " + string.Join(", ", targets.Select(n => $"{n.Name}={ids.Count(id => !Deliveries[n.Name].ContainsKey(id))}")));
    }

    public long Sum(Func<BroadcastCounters, long> read, IEnumerable<PlumtreeNode>? nodes = null) =>
        (nodes ?? Nodes).Sum(n => read(n.BroadcastCounters));

    public async Task KillAsync(PlumtreeNode node)
    {
        Stopped.Add(node);
        await node.KillAsync().WaitAsync(WaitLimit, Ct);
    }

    public static Task Until(Func<bool> condition, string what) => Until(condition, () => what);

    /// <summary>Polls <paramref name="condition"/> (state that raises no event) every few milliseconds, at most <see cref="WaitLimit"/>.</summary>
    public static async Task Until(Func<bool> condition, Func<string> what)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(start) > WaitLimit)
            {
                Assert.Fail($"Timed out after {WaitLimit.TotalSeconds:0} s waiting until {what()}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Interceptor.DropWhen = null;
        Faults.Heal();
        Faults.LossProbability = 0;
        Faults.Delay = TimeSpan.Zero;
        await Task.WhenAll(Nodes.Select(n => n.KillAsync()));
    }
}
