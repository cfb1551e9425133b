namespace Plumtree.Simulator.Report;

/// <summary>The protocols the paper compares, as the report's columns.</summary>
internal enum Variant
{
    Eager,
    PlumtreeSingle,
    PlumtreeMany,
    OptSingle,
    OptMany,
}

/// <summary>
/// The paper's figures (Leitão, Pereira, Rodrigues, SRDS 2007), copied from
/// <c>reference/performance-anchors.md</c> §1.3–1.5. Strings keep the paper's ranges and "≈"; numbers are
/// used for plotting. [F] values were read off plots (±1 hop, ±2 points, ±0.05 RMR).
/// </summary>
internal static class PaperAnchors
{
    public static readonly Variant[] Variants = [Variant.Eager, Variant.PlumtreeSingle, Variant.PlumtreeMany, Variant.OptSingle, Variant.OptMany];

    public static readonly int[] KillPercents = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95];

    public static string Label(Variant v) => v switch
    {
        Variant.Eager => "Eager (flood)",
        Variant.PlumtreeSingle => "Plumtree s-s",
        Variant.PlumtreeMany => "Plumtree m-s",
        Variant.OptSingle => "Plumtree-Opt s-s",
        _ => "Plumtree-Opt m-s",
    };

    public static string Slug(Variant v) => v switch
    {
        Variant.Eager => "eager",
        Variant.PlumtreeSingle => "plumtree-ss",
        Variant.PlumtreeMany => "plumtree-ms",
        Variant.OptSingle => "opt-ss",
        _ => "opt-ms",
    };

    /// <summary>The simulator settings of a variant. Eager uses random senders (the control is sender-agnostic).</summary>
    public static SimConfig Apply(SimConfig config, Variant v) => v switch
    {
        Variant.Eager => config with { Mode = SimMode.Flood, Senders = SenderMode.Many, Optimization = false },
        Variant.PlumtreeSingle => config with { Mode = SimMode.Plumtree, Senders = SenderMode.Single, Optimization = false },
        Variant.PlumtreeMany => config with { Mode = SimMode.Plumtree, Senders = SenderMode.Many, Optimization = false },
        Variant.OptSingle => config with { Mode = SimMode.Plumtree, Senders = SenderMode.Single, Optimization = true },
        _ => config with { Mode = SimMode.Plumtree, Senders = SenderMode.Many, Optimization = true },
    };

    // §1.3 stable environment.
    public static string StableRmr(Variant v) => v == Variant.Eager ? "3.0" : "0";

    public static string StableBootstrapRmr(Variant v) => v == Variant.Eager ? "≈2.0 → 2.9 → 2.95 → 3.0" : "≈2.0 → 0.88 → 0.04 → ≈0";

    public static string StableLdh(Variant v) => v switch
    {
        Variant.Eager => "≈9 (8–9)",
        Variant.PlumtreeSingle => "≈10",
        Variant.PlumtreeMany => "50–77, mean ≈60",
        Variant.OptSingle => "8–9",
        _ => "15–19, mean ≈17",
    };

    public static string StablePayload(Variant v) => v == Variant.Eager ? "39,984" : "9,999";

    public static string StableControl(Variant v) => v switch
    {
        Variant.Eager => "0",
        Variant.PlumtreeSingle => "29,987",
        Variant.PlumtreeMany => "29,990",
        Variant.OptSingle => "29,989",
        _ => "38,976",
    };

    // §1.4 churn: 50 kills per cycle for 100 cycles.
    public static string ChurnRmr(Variant v) => v == Variant.Eager ? "slightly < 3" : "slightly > 0";

    public static string ChurnLdhDuring(Variant v) => v switch
    {
        Variant.Eager => "8–9",
        Variant.OptSingle => "8–14",
        Variant.PlumtreeSingle or Variant.OptMany => "15–27",
        _ => "40–70",
    };

    public static string ChurnLdhAfter(Variant v) => v switch
    {
        Variant.Eager or Variant.OptSingle => "≈8",
        Variant.PlumtreeSingle or Variant.OptMany => "16–17",
        _ => "65–88",
    };

    // §1.5 massive failure: reliability (%) of the first broadcast after the failure (Fig. 6a).
    public static double[] FirstAfterFailure(Variant v) => v switch
    {
        Variant.PlumtreeSingle => [100, 100, 99.8, 98.8, 95, 56, 31, 0, 0, 0],
        Variant.PlumtreeMany => [100, 100, 99.8, 98.8, 95, 84, 0, 0, 0, 0],
        _ => [100, 100, 99.8, 98.8, 95, 56, 14.5, 0, 0, 0],
    };

    /// <summary>Healing time in cycles (Fig. 6b) for X = 10..90 (no 95% value); ranges as text.</summary>
    public static string[] Healing(Variant v) => v switch
    {
        Variant.Eager => ["0", "1", "1", "1", "1", "2", "1", "3", "3", "–"],
        Variant.OptSingle => ["0–1", "1", "1", "1", "1", "1", "1", "1–2", "2", "–"],
        Variant.OptMany => ["0–1", "1", "1", "1", "1", "1", "1", "1–2", "4", "–"],
        _ => ["0–1", "1", "1", "1", "1", "1", "1", "1–2", "3", "–"],
    };

    /// <summary>Midpoints of <see cref="Healing"/> for plotting (NaN where the paper has no value).</summary>
    public static double[] HealingMid(Variant v) =>
        [.. Healing(v).Select(s => s == "–" ? double.NaN : s.Split('–').Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).Average())];

    /// <summary>RMR after a massive failure (Fig. 5).</summary>
    public static string RmrAfterFailure(Variant v) => v == Variant.Eager ? "back to ≈3 within 1–2 cycles" : "peak ≈1.9–2.5 in the first cycle after, ≈0 by cycles 2–3";

    /// <summary>LDH after the failure (Fig. 4) at 40%, 60%, 80%.</summary>
    public static string LdhAfterFailure(Variant v, int percent) => (v, percent) switch
    {
        (Variant.OptMany, 40) => "15–18",
        (Variant.OptMany, 60) => "14–17",
        (Variant.OptMany, 80) => "13–16",
        (Variant.PlumtreeMany, 40) => "30–43",
        (Variant.PlumtreeMany, 60) => "22–31",
        (Variant.PlumtreeMany, 80) => "28–44",
        (_, 40) => "8–10",
        (_, 60) => "8–9",
        (_, 80) => "7–8",
        _ => "–",
    };
}
