using System.Globalization;

namespace Plumtree.ClusterBench.Scale;

/// <summary>The <c>scale</c> verb's settings.</summary>
internal sealed record ScaleSettings
{
    public const string Usage =
        "usage: plumtree-bench scale [--nodes 256] [--go-peers 16] [--rate 50] [--payload 1024] [--seconds 20] " +
        "[--settle 10 (s after convergence before the idle window)] [--idle-window 30] [--detect-timeout 120] " +
        "[--form-timeout 300] [--go-binary PATH (default: build go/main.go against Debian's memberlist)] [--batch 16 (our nodes start in batches; the next starts once 98 % of the started ones' views are complete)] [--progress (convergence on stderr)]";

    public int Nodes { get; init; } = 256;

    public int GoPeers { get; init; } = 16;

    public double Rate { get; init; } = 50;

    public int Payload { get; init; } = 1024;

    /// <summary>Seconds of measured broadcasts (after 3 s of warm-up).</summary>
    public double Seconds { get; init; } = 20;

    /// <summary>Seconds between convergence and the idle window (start-up's tail excluded).</summary>
    public double Settle { get; init; } = 10;

    public double IdleWindow { get; init; } = 30;

    /// <summary>Bound, in seconds, on waiting for every observer to declare a killed node dead.</summary>
    public double DetectTimeout { get; init; } = 120;

    /// <summary>Bound, in seconds, on the cluster's convergence.</summary>
    public double FormTimeout { get; init; } = 300;

    public string? GoBinary { get; init; }

    /// <summary>Our nodes start in batches of this many; the next batch starts once 98 % of (node, started node) pairs are known alive (bounded 30 s).</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Prints the convergence's progress on stderr.</summary>
    public bool Progress { get; init; }

    public static ScaleSettings Parse(IReadOnlyList<string> args)
    {
        var s = new ScaleSettings();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            int Int() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            double Double() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            s = args[i] switch
            {
                "--nodes" => s with { Nodes = Int() },
                "--go-peers" => s with { GoPeers = Int() },
                "--rate" => s with { Rate = Double() },
                "--payload" => s with { Payload = Int() },
                "--seconds" => s with { Seconds = Double() },
                "--settle" => s with { Settle = Double() },
                "--idle-window" => s with { IdleWindow = Double() },
                "--detect-timeout" => s with { DetectTimeout = Double() },
                "--form-timeout" => s with { FormTimeout = Double() },
                "--batch" => s with { Batch = Int() },
                "--progress" => s with { Progress = true },
                "--go-binary" => s with { GoBinary = Path.GetFullPath(Value()) },
                _ => throw new ArgumentException($"unknown option '{args[i]}'. {Usage}"),
            };
        }

        if (s.Nodes < 3 || s.Batch < 1 || s.GoPeers < 0 || s.GoPeers == 1 || s.Rate <= 0 || s.Payload < 8 || s.Seconds <= 0 || s.Settle < 0
            || s.IdleWindow <= 0 || s.DetectTimeout <= 0 || s.FormTimeout <= 0)
        {
            throw new ArgumentException($"--nodes ≥ 3, --go-peers 0 or ≥ 2 (one is killed, one must watch), --rate > 0, --payload ≥ 8, --seconds > 0, --settle ≥ 0, --idle-window > 0, timeouts > 0. {Usage}");
        }

        return s;
    }
}
