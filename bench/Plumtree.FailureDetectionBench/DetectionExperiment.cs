using System.Diagnostics;
using Plumtree.Membership;

namespace Plumtree.FailureDetectionBench;

/// <summary>One kill-a-node measurement.</summary>
internal sealed record DetectionRun(
    double FirstSuspicionS,
    double FirstDeadS,
    double AllDeadS,
    double SuspicionToFirstDeadS,
    int Observers);

/// <summary>
/// Kill one node of a converged cluster (sockets closed, no leave, as a crash) and time, from the kill:
/// the first suspicion anywhere, the first node to declare it dead, and the moment every other node has.
/// </summary>
internal static class DetectionExperiment
{
    public static async Task<DetectionRun> RunAsync(BenchSettings settings, int run)
    {
        var clock = Stopwatch.StartNew();
        var events = new MemberEvents(clock, settings.Verbose);
        var names = Enumerable.Range(0, settings.Nodes).Select(i => $"d{run}-n{i}").ToList();
        await using var cluster = await LocalCluster.StartAsync(names, settings.Profile, awarenessMax: 8, settings.Seed + run, events);

        // A short steady period: everyone has probed everyone at least once.
        await Task.Delay(MembershipOptions.FromPreset(settings.Profile).ProbeInterval * 2);

        var victim = cluster.Nodes[settings.Nodes / 2];
        var observers = cluster.Nodes.Where(n => n != victim).ToList();
        var killedAt = clock.Elapsed;
        await victim.KillAsync();
        await LocalCluster.UntilAsync(
            () => observers.All(o => o.Members.Any(m => m.Name == victim.Name && m.State == MemberState.Dead)),
            $"every node marks {victim.Name} dead");

        var about = events.Events.Where(e => e.Member == victim.Name && e.At >= killedAt && e.Observer != victim.Name).ToList();
        var suspects = about.Where(e => e.Kind == MemberEventKind.Suspect).ToList();
        var deaths = about.Where(e => e.Kind == MemberEventKind.Dead).GroupBy(e => e.Observer).Select(g => g.Min(e => e.At)).ToList();
        var firstSuspicion = suspects.Count > 0 ? suspects.Min(e => e.At) : deaths.Min();
        var firstDead = deaths.Min();
        var allDead = deaths.Max();
        return new DetectionRun(
            Seconds(firstSuspicion - killedAt),
            Seconds(firstDead - killedAt),
            Seconds(allDead - killedAt),
            Seconds(firstDead - firstSuspicion),
            deaths.Count);
    }

    /// <summary>memberlist's formulas for this cluster (what a Go cluster with the same settings would do).</summary>
    public static object Formula(BenchSettings settings)
    {
        var o = MembershipOptions.FromPreset(settings.Profile);
        var n = settings.Nodes;
        var min = MembershipFormulas.SuspicionMin(o.SuspicionMult, n, o.ProbeInterval);
        var max = MembershipFormulas.SuspicionMax(o.SuspicionMult, o.SuspicionMaxTimeoutMult, n, o.ProbeInterval);
        var k = MembershipFormulas.ExpectedConfirmations(o.SuspicionMult, n);
        var withK = MembershipFormulas.SuspicionTimeout(min, max, k, k);
        var none = MembershipFormulas.SuspicionTimeout(min, max, k, 0);

        // First suspicion: each of the n - 1 survivors reaches the victim once per round of n - 1 probes, at
        // a uniformly random point, so the earliest probe starts after (n - 1) / n intervals on average (at
        // most n - 1); the probe fails one (unscaled) probe interval after it starts.
        var pi = o.ProbeInterval.TotalSeconds;
        var expectedFirstSuspicion = (((n - 1.0) / n) * pi) + pi;
        var worstFirstSuspicion = n * pi;
        return new
        {
            known_nodes = n,
            probe_interval_s = pi,
            probe_timeout_s = o.ProbeTimeout.TotalSeconds,
            suspicion_mult = o.SuspicionMult,
            suspicion_max_timeout_mult = o.SuspicionMaxTimeoutMult,
            suspicion_min_s = min.TotalSeconds,
            suspicion_max_s = max.TotalSeconds,
            expected_confirmations_k = k,
            suspicion_timeout_with_k_confirmations_s = withK.TotalSeconds,
            suspicion_timeout_without_confirmation_s = none.TotalSeconds,
            expected_first_suspicion_s = Math.Round(expectedFirstSuspicion, 3),
            worst_first_suspicion_s = worstFirstSuspicion,
            expected_first_dead_s = Math.Round(expectedFirstSuspicion + withK.TotalSeconds, 3),
            worst_first_dead_s = worstFirstSuspicion + none.TotalSeconds,
            text = $"suspicion min = SuspicionMult {o.SuspicionMult} x max(1, log10({n})) x ProbeInterval {pi} s = {min.TotalSeconds} s; "
                   + $"max = {o.SuspicionMaxTimeoutMult} x min = {max.TotalSeconds} s; k = SuspicionMult - 2 = {k} confirmations "
                   + $"bring the timeout to {withK.TotalSeconds} s (none: {none.TotalSeconds} s); first suspicion ~ ((n-1)/n + 1) x ProbeInterval "
                   + $"= {expectedFirstSuspicion:0.###} s on average, at most n x ProbeInterval = {worstFirstSuspicion} s",
        };
    }

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);
}
