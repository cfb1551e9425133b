using Plumtree.Membership;

namespace Plumtree.Tests.Membership;

public sealed class ClusterSimulationTests
{
    private readonly ITestOutputHelper _log;

    public ClusterSimulationTests(ITestOutputHelper log) => _log = log;

    private static FakeNetwork Cluster(int size, double loss, MembershipOptions options, int seed)
    {
        var network = new FakeNetwork(seed, loss);
        var first = network.AddNode(options, "node-0");
        for (var i = 1; i < size; i++)
        {
            // Nodes start over the first 10 s and join through node 0.
            network.RunUntil(TimeSpan.FromMilliseconds(i * 10_000.0 / size));
            var node = network.AddNode(options, $"node-{i}");
            node.Engine.Join([first.EndPoint], network.Now);
        }

        return network;
    }

    private static bool AllSeeAllAlive(FakeNetwork network) =>
        network.Nodes.Where(n => !n.Killed).All(n =>
            n.Engine.Members.Count(m => m.State == MemberState.Alive) == network.Nodes.Count(x => !x.Killed));

    [Fact]
    public void Thirty_engines_joining_through_one_seed_converge_to_everyone_alive_with_5_percent_loss()
    {
        var network = Cluster(30, 0.05, MembershipOptions.Lan, seed: 11);
        var converged = TimeSpan.Zero;
        while (network.Now < TimeSpan.FromSeconds(120))
        {
            network.RunUntil(network.Now + TimeSpan.FromMilliseconds(100));
            if (AllSeeAllAlive(network))
            {
                converged = network.Now;
                break;
            }
        }

        _log.WriteLine($"converged at {converged.TotalSeconds:F1} s; packets {network.PacketsSent}, lost {network.PacketsLost}");
        Assert.True(converged > TimeSpan.Zero, "the cluster did not converge within 120 s");
        Assert.Equal(30, network.Nodes.Count(n => n.Engine.Members.Count == 30));
        Assert.True(network.PacketsLost > 0);
    }

    [Fact]
    public void A_killed_node_is_declared_dead_by_everyone_within_the_lifeguard_bounds()
    {
        var options = MembershipOptions.Lan;
        const int n = 20;
        var network = Cluster(n, 0.05, options, seed: 5);
        network.RunUntil(TimeSpan.FromSeconds(60));
        Assert.True(AllSeeAllAlive(network));

        var victim = network.Nodes[7];
        var killedAt = network.Now;
        victim.Killed = true;
        network.RunUntil(killedAt + TimeSpan.FromSeconds(90));

        var survivors = network.Nodes.Where(x => !x.Killed).ToList();
        var deadAt = survivors
            .Select(s => s.Events.Where(e => e.At >= killedAt && e.Event.Member.Name == victim.Name && e.Event.Kind == MemberEventKind.Dead)
                .Select(e => e.At - killedAt).DefaultIfEmpty(TimeSpan.MaxValue).Min())
            .ToList();
        var min = MembershipFormulas.SuspicionMin(options.SuspicionMult, n, options.ProbeInterval);
        var max = MembershipFormulas.SuspicionMax(options.SuspicionMult, options.SuspicionMaxTimeoutMult, n, options.ProbeInterval);

        // Upper bound: some node probes the victim within two probe rounds (n − 1 targets each), the
        // failed probe takes one (possibly 8× stretched) interval, the suspicion at most its maximum,
        // then the dead message spreads within a few gossip rounds.
        var upper = (options.ProbeInterval * 2 * (n - 1)) + (options.ProbeInterval * options.AwarenessMaxMultiplier) + max + TimeSpan.FromSeconds(2);
        _log.WriteLine($"suspicion min {min.TotalSeconds:F3} s, max {max.TotalSeconds:F3} s; dead after {deadAt.Min().TotalSeconds:F3}–{deadAt.Max().TotalSeconds:F3} s (bound {upper.TotalSeconds:F1} s)");
        Assert.All(deadAt, d => Assert.InRange(d, min, upper));

        // With k = 2 confirmations from the many probers the timeout shrinks to the minimum: typical detection
        // is a couple of probe intervals plus SuspicionMin, far below the maximum.
        Assert.True(deadAt.Max() < min + (options.ProbeInterval * 6), $"slowest detection {deadAt.Max()}");

        // 90 s later it is forgotten everywhere (GossipToTheDeadTime 30 s, then a probe round).
        Assert.DoesNotContain(survivors, s => s.Engine.GetMember(victim.Name) is not null);
        Assert.Equal(n - 1, survivors.Count(s => s.Engine.Members.Count == n - 1));
    }

    [Fact]
    public void No_false_positives_over_thirty_minutes_with_5_percent_loss_and_no_tcp_fallback()
    {
        var options = MembershipOptions.Lan with { DisableTcpPings = true };
        var network = Cluster(20, 0.05, options, seed: 23);
        network.RunUntil(TimeSpan.FromMinutes(30));

        var dead = network.Nodes.SelectMany(x => x.Events).Count(e => e.Event.Kind is MemberEventKind.Dead or MemberEventKind.Left);
        var suspicions = network.Nodes.Sum(x => x.Engine.Counters.SuspicionsRaised);
        var refutes = network.Nodes.Sum(x => x.Engine.Counters.Refutes);
        var probes = network.Nodes.Sum(x => x.Engine.Counters.ProbesSent);
        _log.WriteLine($"probes {probes}, suspicions {suspicions}, refutes {refutes}, deaths {dead}; packets {network.PacketsSent}, lost {network.PacketsLost}");
        Assert.Equal(0, dead);
        Assert.True(AllSeeAllAlive(network));
        Assert.True(probes > 20 * 1500, $"only {probes} probes");
    }
}
