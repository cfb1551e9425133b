using System.Diagnostics;
using System.Net;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.FailureDetectionBench;

/// <summary>Our nodes in this process on 127.0.0.1 (free ports), plain memberlist mode.</summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan ConvergeLimit = TimeSpan.FromSeconds(90);

    public List<PlumtreeNode> Nodes { get; } = [];

    public static PlumtreeNodeOptions Options(string name, string profile, int awarenessMax, int seed) => new()
    {
        NodeName = name,
        BindAddress = "127.0.0.1",
        BindPort = 0,
        Profile = profile,
        Compatibility = ClusterCompatibility.Memberlist,
        RandomSeed = Mix(seed, name),
        ConfigureMembership = o => o with { AwarenessMaxMultiplier = awarenessMax },
    };

    /// <summary>A well-spread per-node seed (System.Random's seeded generator correlates nearby seeds).</summary>
    public static int Mix(int seed, string name) =>
        unchecked((int)System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes($"{seed}/{name}")));

    /// <summary>
    /// Starts nodes <paramref name="names"/> and waits until all see all alive. Each joins through every node
    /// started before it (a push/pull with each): with the local profile an alive message is retransmitted
    /// only twice per holder, so a node that joins through one seed can stay unknown to some member until
    /// the next push/pull (15 s), as in Go memberlist.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(IReadOnlyList<string> names, string profile, int awarenessMax, int seed, MemberEvents events)
    {
        var cluster = new LocalCluster();
        try
        {
            for (var i = 0; i < names.Count; i++)
            {
                var node = new PlumtreeNode(Options(names[i], profile, awarenessMax, seed * 1000 + i), events);
                events.Attach(node);
                cluster.Nodes.Add(node);
                await node.StartAsync();
                if (i > 0)
                {
                    await node.JoinAsync(cluster.EndPoints.Take(i));
                }
            }

            await cluster.UntilAllSeeAliveAsync(names, "the cluster converges");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public IEnumerable<IPEndPoint> EndPoints => Nodes.Select(n => n.AdvertisedEndPoint);

    public Task UntilAllSeeAliveAsync(IReadOnlyCollection<string> names, string what) =>
        UntilAsync(
            () => Nodes.All(n => names.All(name => n.Members.Any(m => m.Name == name && m.State == MemberState.Alive))),
            what,
            () => string.Join("; ", Nodes.Select(n => $"{n.Name} sees {string.Join(",", n.Members.Where(m => m.State == MemberState.Alive).Select(m => m.Name).Order(StringComparer.Ordinal))}")));

    public static async Task UntilAsync(Func<bool> condition, string what, Func<string>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (!condition())
        {
            if (describe is not null && clock.Elapsed - lastReport > TimeSpan.FromSeconds(2))
            {
                lastReport = clock.Elapsed;
                Console.Error.WriteLine($"[fd-bench] still waiting until {what}: {describe()}");
            }

            if (clock.Elapsed > ConvergeLimit)
            {
                throw new TimeoutException($"Timed out after {ConvergeLimit.TotalSeconds:0} s waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(Nodes.Select(n => n.KillAsync()));
}
