using System.Globalization;

namespace Plumtree.ClusterBench;

/// <summary>The <c>cluster</c> verb's settings.</summary>
internal sealed record ClusterSettings(int Nodes, double Rate, int Payload, double Seconds, bool Flood, double Loss, int? Threshold = null, bool Trace = false, double? PruneDelayMs = null, int? Confirmations = null, double? RepairWindowMs = null, double DelayMs = 0)
{
    public const string Usage =
        "usage: plumtree-bench cluster --nodes N --rate R --payload BYTES --seconds S [--mode plumtree|flood] [--loss P] [--threshold H (0 = no hop optimisation)] [--confirmations K] [--repair-window-ms MS] [--prune-delay MS] [--delay-ms MS (latency added to every hop)] [--trace (time series on stderr)]";

    /// <summary>Parses <c>cluster</c>'s options; throws <see cref="ArgumentException"/> with the usage on anything wrong.</summary>
    public static ClusterSettings Parse(IReadOnlyList<string> args)
    {
        int nodes = 16, payload = 1024;
        double rate = 100, seconds = 20, loss = 0;
        var flood = false;
        var trace = false;
        double? pruneDelay = null;
        int? threshold = null;
        int? confirmations = null;
        double? repairWindow = null;
        double delay = 0;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--nodes":
                    nodes = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--rate":
                    rate = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--payload":
                    payload = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--seconds":
                    seconds = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--threshold":
                    threshold = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--confirmations":
                    confirmations = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--repair-window-ms":
                    repairWindow = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--delay-ms":
                    delay = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--prune-delay":
                    pruneDelay = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--trace":
                    trace = true;
                    break;
                case "--loss":
                    loss = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--mode":
                    flood = Value() switch
                    {
                        "plumtree" => false,
                        "flood" => true,
                        var other => throw new ArgumentException($"Unknown mode '{other}'. {Usage}"),
                    };
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'. {Usage}");
            }
        }

        if (nodes < 2 || rate <= 0 || payload < 8 || seconds <= 0 || loss is < 0 or >= 1
            || confirmations is < 1 or > 64 || repairWindow is < 0 || delay < 0)
        {
            throw new ArgumentException($"Need nodes ≥ 2, rate > 0, payload ≥ 8, seconds > 0, 0 ≤ loss < 1, 1 ≤ confirmations ≤ 64, repair window ≥ 0, delay ≥ 0. {Usage}");
        }

        return new ClusterSettings(nodes, rate, payload, seconds, flood, loss, threshold, trace, pruneDelay, confirmations, repairWindow, delay);
    }
}
