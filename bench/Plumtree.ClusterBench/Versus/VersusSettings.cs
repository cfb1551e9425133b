using System.Globalization;

namespace Plumtree.ClusterBench.Versus;

/// <summary>The <c>versus</c> verb's settings (also passed, as the same flags, to each <c>versus-run</c> child).</summary>
internal sealed record VersusSettings
{
    public const string Usage =
        "usage: plumtree-bench versus [--nodes 8|16] [--messages 200] [--rate 20] [--payload 400|4096|65536] [--serf | --no-serf] [--memberlist (a Go memberlist broadcast-queue column)] [--memberlist-binary PATH] " +
        "[--plumtree PATH (the plumtree executable; default: the repository's Release build)] [--plumtree-aot PATH (a Native AOT plumtree: a third column)] " +
        "[--plumtree-env NAME=VALUE (environment of the plumtree agents; repeat)] [--idle-after 15] [--idle-window 10] [--drain 30] [--settle 10] " +
        "[--seed 1] [--timeout 600] [--keep (keep the work directory)]";

    public int Nodes { get; init; } = 8;

    public int Messages { get; init; } = 200;

    public double Rate { get; init; } = 20;

    public int Payload { get; init; } = 400;

    public bool Serf { get; init; } = true;

    /// <summary>Also run Go memberlist agents broadcasting through memberlist's own queue (<c>Versus/go-memberlist</c>).</summary>
    public bool Memberlist { get; init; }

    /// <summary>A built <c>mlagent</c>; null: built from the source beside this executable.</summary>
    public string? MemberlistBinary { get; init; }

    public string? Plumtree { get; init; }

    public string? PlumtreeAot { get; init; }

    public IReadOnlyList<string> PlumtreeEnv { get; init; } = [];

    /// <summary>Seconds after the joiners start when the idle window begins.</summary>
    public double IdleAfter { get; init; } = 15;

    public double IdleWindow { get; init; } = 10;

    /// <summary>Seconds after the last send to wait for missing deliveries.</summary>
    public double Drain { get; init; } = 30;

    /// <summary>Seconds after the run before RSS is read again (does it come back down after the burst?).</summary>
    public double Settle { get; init; } = 10;

    public int Seed { get; init; } = 1;

    /// <summary>Bound of one system's run, in seconds: past it the run is killed (its processes by PID).</summary>
    public double Timeout { get; init; } = 600;

    public bool Keep { get; init; }

    public static VersusSettings Parse(IReadOnlyList<string> args)
    {
        var s = new VersusSettings();
        var env = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            int Int() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            double Double() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            s = args[i] switch
            {
                "--nodes" => s with { Nodes = Int() },
                "--messages" => s with { Messages = Int() },
                "--rate" => s with { Rate = Double() },
                "--payload" => s with { Payload = Int() },
                "--serf" => s with { Serf = true },
                "--no-serf" => s with { Serf = false },
                "--memberlist" => s with { Memberlist = true },
                "--memberlist-binary" => s with { Memberlist = true, MemberlistBinary = Path.GetFullPath(Value()) },
                "--plumtree" => s with { Plumtree = Path.GetFullPath(Value()) },
                "--plumtree-aot" => s with { PlumtreeAot = Path.GetFullPath(Value()) },
                "--plumtree-env" => AddEnv(s, env, Value()),
                "--idle-after" => s with { IdleAfter = Double() },
                "--idle-window" => s with { IdleWindow = Double() },
                "--drain" => s with { Drain = Double() },
                "--settle" => s with { Settle = Double() },
                "--seed" => s with { Seed = Int() },
                "--timeout" => s with { Timeout = Double() },
                "--keep" => s with { Keep = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}'. {Usage}"),
            };
        }

        if (s.Nodes < 2 || s.Messages < 1 || s.Rate <= 0 || s.Payload < 16 || s.IdleWindow <= 0)
        {
            throw new ArgumentException($"--nodes ≥ 2, --messages ≥ 1, --rate > 0, --payload ≥ 16, --idle-window > 0. {Usage}");
        }

        return s with { PlumtreeEnv = env };
    }

    private static VersusSettings AddEnv(VersusSettings s, List<string> env, string value)
    {
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            throw new ArgumentException($"--plumtree-env takes NAME=VALUE, not '{value}'");
        }

        env.Add(value);
        return s;
    }

    /// <summary>The flags that reproduce these settings (for the <c>versus-run</c> children).</summary>
    public IEnumerable<string> ToArgs()
    {
        var c = CultureInfo.InvariantCulture;
        yield return "--nodes";
        yield return Nodes.ToString(c);
        yield return "--messages";
        yield return Messages.ToString(c);
        yield return "--rate";
        yield return Rate.ToString("R", c);
        yield return "--payload";
        yield return Payload.ToString(c);
        yield return "--idle-after";
        yield return IdleAfter.ToString("R", c);
        yield return "--idle-window";
        yield return IdleWindow.ToString("R", c);
        yield return "--drain";
        yield return Drain.ToString("R", c);
        yield return "--settle";
        yield return Settle.ToString("R", c);
        yield return "--seed";
        yield return Seed.ToString(c);
        foreach (var e in PlumtreeEnv)
        {
            yield return "--plumtree-env";
            yield return e;
        }
    }
}
