using System.Globalization;

namespace Plumtree.FailureDetectionBench;

/// <summary>Command-line settings (every one has a default; <c>--help</c> lists them).</summary>
internal sealed record BenchSettings
{
    public string Profile { get; init; } = "local";

    public int Nodes { get; init; } = 10;

    public int DetectionRuns { get; init; } = 3;

    /// <summary>Length of each starved run (one with Lifeguard awareness, one without).</summary>
    public int Seconds { get; init; } = 300;

    public int StallMinMs { get; init; } = 200;

    public int StallMaxMs { get; init; } = 2000;

    public int RunMinMs { get; init; } = 100;

    public int RunMaxMs { get; init; } = 1000;

    /// <summary>Processing lag of the starved node: everything it sends leaves 0..this many ms late (uniform); 0 = none.</summary>
    public int LagMaxMs { get; init; } = 1500;

    /// <summary><c>both</c>, <c>aware</c> or <c>unaware</c>.</summary>
    public string Variants { get; init; } = "both";

    public int Seed { get; init; } = 1;

    public bool Verbose { get; init; }

    public const string Usage = """
        plumtree-fd-bench: failure-detection figures for a loopback cluster of Plumtree nodes.
          --profile local|lan|wan   membership timing preset (default local)
          --nodes N                 cluster size (default 10)
          --detection-runs N        kill-one-node runs (default 3; 0 skips)
          --seconds N               length of each starved run (default 300; 0 skips)
          --stall-min-ms/--stall-max-ms N   SIGSTOP length, uniform (default 200..2000)
          --run-min-ms/--run-max-ms N       running time between stops, uniform (default 100..1000)
          --lag-max-ms N            the starved node's processing lag: each datagram and dial it sends leaves 0..N ms late (default 1500; 0 = none)
          --variants both|aware|unaware     with and/or without Lifeguard awareness (default both)
          --seed N                  seed of the stall schedule and node randomness (default 1)
          --verbose                 node warnings to stderr
        Prints one JSON object on stdout; progress goes to stderr.
        """;

    public static BenchSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new BenchSettings();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--profile" => settings with { Profile = Next() },
                "--nodes" => settings with { Nodes = NextInt() },
                "--detection-runs" => settings with { DetectionRuns = NextInt() },
                "--seconds" => settings with { Seconds = NextInt() },
                "--stall-min-ms" => settings with { StallMinMs = NextInt() },
                "--stall-max-ms" => settings with { StallMaxMs = NextInt() },
                "--run-min-ms" => settings with { RunMinMs = NextInt() },
                "--run-max-ms" => settings with { RunMaxMs = NextInt() },
                "--lag-max-ms" => settings with { LagMaxMs = NextInt() },
                "--variants" => settings with { Variants = Next() },
                "--seed" => settings with { Seed = NextInt() },
                "--verbose" => settings with { Verbose = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (settings.Profile is not ("local" or "lan" or "wan"))
        {
            throw new ArgumentException("--profile must be local, lan or wan");
        }

        if (settings.Nodes < 3 || settings.DetectionRuns < 0 || settings.Seconds < 0
            || settings.StallMinMs < 0 || settings.StallMaxMs < settings.StallMinMs
            || settings.RunMinMs < 1 || settings.RunMaxMs < settings.RunMinMs || settings.LagMaxMs < 0)
        {
            throw new ArgumentException("need --nodes >= 3, non-negative runs and seconds, and min <= max for the stall and run ranges");
        }

        if (settings.Variants is not ("both" or "aware" or "unaware"))
        {
            throw new ArgumentException("--variants must be both, aware or unaware");
        }

        return settings;
    }
}
