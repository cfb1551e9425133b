using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Testing;
using Plumtree.Transport;

namespace Plumtree.FailureDetectionBench;

/// <summary>
/// Child-process mode (<c>--child</c>): runs the one node that the parent starves with SIGSTOP/SIGCONT.
/// Talks JSON lines on stdout; takes commands on stdin: <c>status</c>, <c>mark</c> (start counting),
/// <c>report</c> (counters and member events since the mark), <c>quit</c>.
/// </summary>
internal static class StarvedChild
{
    public const string Flag = "--child";

    /// <summary>Arguments for the child: name, profile, awareness multiplier, seed, addresses to join, processing lag.</summary>
    public static string[] Arguments(string name, string profile, int awarenessMax, int seed, IEnumerable<IPEndPoint> join, int lagMaxMs) =>
        [Flag, name, profile, Text(awarenessMax), Text(seed), string.Join(',', join), Text(lagMaxMs)];

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int Number(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var (name, profile, awarenessMax, seed, join, lagMaxMs) = (args[0], args[1], Number(args[2]), Number(args[3]), args[4].Split(',').Select(IPEndPoint.Parse).ToList(), Number(args[5]));
        var clock = Stopwatch.StartNew();
        var events = new MemberEvents(clock, verbose: false);
        var options = LocalCluster.Options(name, profile, awarenessMax, seed);

        // Slow message processing: whatever the node sends (datagrams, stream dials) leaves a random 0..lag late.
        var lag = new FaultInjector(seed);
        options.Interceptor = lag;
        var node = new PlumtreeNode(options, events);
        events.Attach(node);
        await node.StartAsync();
        await node.JoinAsync(join);

        // Health score samples, taken whenever this process runs.
        var samples = new List<int>();
        var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                lock (samples)
                {
                    samples.Add(node.Snapshot.HealthScore);
                }

                await Task.Delay(100);
            }
        });

        lag.DelayJitter = TimeSpan.FromMilliseconds(lagMaxMs);
        var markedAt = TimeSpan.Zero;
        var baseline = node.MembershipTotals;
        Write(new { ready = true, port = node.AdvertisedEndPoint.Port });
        while (await Console.In.ReadLineAsync() is { } line)
        {
            switch (line.Trim())
            {
                case "status":
                    Write(new { alive = node.Members.Count(m => m.State == MemberState.Alive) });
                    break;
                case "mark":
                    markedAt = clock.Elapsed;
                    baseline = node.MembershipTotals;
                    lock (samples)
                    {
                        samples.Clear();
                    }

                    Write(new { marked = true });
                    break;
                case "report":
                    var totals = node.MembershipTotals;
                    int[] health;
                    lock (samples)
                    {
                        health = [.. samples];
                    }

                    Write(new
                    {
                        probes = totals.Probes - baseline.Probes,
                        probe_failures = totals.ProbeFailures - baseline.ProbeFailures,
                        suspicions = totals.Suspicions - baseline.Suspicions,
                        refutes = totals.Refutes - baseline.Refutes,
                        health_mean = health.Length == 0 ? 0 : Math.Round(health.Average(), 3),
                        health_max = health.Length == 0 ? 0 : health.Max(),
                        events = events.Events.Where(e => e.At >= markedAt && e.Observer == name)
                            .Select(e => new { member = e.Member, kind = e.Kind.ToString(), incarnation = e.Incarnation })
                            .ToList(),
                    });
                    break;
                case "quit":
                    await sampling.CancelAsync();
                    await sampler;
                    await node.KillAsync();
                    return 0;
            }
        }

        await node.KillAsync();
        return 0;
    }

    private static void Write(object value)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(value));
        Console.Out.Flush();
    }
}
