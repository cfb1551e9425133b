using System.CommandLine;
using System.Globalization;
using Plumtree.Simulator.Report;

namespace Plumtree.Simulator.Cli;

/// <summary><c>plumtree-sim report</c>: the paper's suite (plus event mode and frame loss), written as a markdown report with SVG plots.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Directory for report.md, the SVG plots and runs/*.json", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per cell (1..N)", DefaultValueFactory = _ => 5 };
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes", DefaultValueFactory = _ => 10_000 };
        var cycles = new Option<int>("--cycles") { Description = "Cycles of the stable and churn runs", DefaultValueFactory = _ => 250 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up cycles (kills and churn start here)", DefaultValueFactory = _ => 50 };
        var killCycles = new Option<int>("--kill-cycles") { Description = "Cycles run after the failure in kill runs", DefaultValueFactory = _ => 10 };
        var parallel = new Option<int>("--parallel") { Description = "Runs executed at once", DefaultValueFactory = _ => 1 };
        var scenarios = new Option<string>("--scenarios") { Description = "Comma-separated subset of stable,churn,kill,event,loss (event: latency 10–100 ms, graft timeout1 200/500/1000 ms; loss: per-frame loss with graft repair rounds on and off; neither in the paper)", DefaultValueFactory = _ => "stable,churn,kill,event,loss" };
        var killPercents = new Option<string>("--kill-percents") { Description = "Comma-separated kill percentages", DefaultValueFactory = _ => "10,20,30,40,50,60,70,80,90,95" };
        var lossPercents = new Option<string>("--loss-percents") { Description = "Comma-separated per-frame loss percentages of the loss scenario", DefaultValueFactory = _ => "5,10" };
        var lossCycles = new Option<int?>("--loss-cycles") { Description = "Cycles of the loss runs (warm-up as --warmup); default the smaller of 100 and --cycles" };
        var lossVariants = new Option<string>("--loss-variants") { Description = "Comma-separated Plumtree variants run with frame loss (only those also in --variants)", DefaultValueFactory = _ => "opt-ss" };
        var variants = new Option<string>("--variants") { Description = "Comma-separated subset of eager,plumtree-ss,plumtree-ms,opt-ss,opt-ms", DefaultValueFactory = _ => "eager,plumtree-ss,plumtree-ms,opt-ss,opt-ms" };

        var command = new Command("report", "Run the paper's suite (stable, churn, kill 10–95%; eager control and four Plumtree variants; several seeds) plus event mode and frame loss with graft repair rounds on and off, and write DIR/report.md with tables beside the paper's numbers and SVG plots")
        {
            outDir, seeds, nodes, cycles, warmup, killCycles, parallel, scenarios, killPercents, lossPercents, lossCycles, lossVariants, variants,
        };
        command.SetAction(parse =>
        {
            var scenarioList = Split(parse.GetValue(scenarios)!);
            if (scenarioList.Any(s => s is not ("stable" or "churn" or "kill" or "event" or "loss")))
            {
                Console.Error.WriteLine("--scenarios: expected a subset of stable,churn,kill,event,loss");
                return 2;
            }

            if (parse.GetValue(lossCycles) is < 1)
            {
                Console.Error.WriteLine("--loss-cycles must be at least 1");
                return 2;
            }

            if (!TryPercents(parse.GetValue(killPercents)!, "--kill-percents", out var percentList)
                || !TryPercents(parse.GetValue(lossPercents)!, "--loss-percents", out var lossPercentList)
                || !TryVariants(parse.GetValue(variants)!, "--variants", out var variantList)
                || !TryVariants(parse.GetValue(lossVariants)!, "--loss-variants", out var lossVariantList))
            {
                return 2;
            }

            if (lossVariantList.Contains(Variant.Eager))
            {
                Console.Error.WriteLine("--loss-variants: the eager control has no grafts; choose Plumtree variants");
                return 2;
            }

            var options = new ReportOptions
            {
                OutDir = parse.GetValue(outDir)!,
                Seeds = Math.Max(1, parse.GetValue(seeds)),
                Nodes = parse.GetValue(nodes),
                Cycles = parse.GetValue(cycles),
                Warmup = parse.GetValue(warmup),
                KillCycles = Math.Max(1, parse.GetValue(killCycles)),
                Parallel = parse.GetValue(parallel),
                Scenarios = scenarioList,
                KillPercents = percentList,
                LossPercents = lossPercentList,
                LossCycles = parse.GetValue(lossCycles),
                LossVariants = lossVariantList,
                Variants = variantList,
            };
            return new ReportSuite(options, Console.Error).Run();
        });
        return command;
    }

    private static bool TryPercents(string text, string option, out List<int> percents)
    {
        percents = [];
        foreach (var p in Split(text))
        {
            if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 99)
            {
                Console.Error.WriteLine($"{option}: '{p}' is not a percentage between 1 and 99");
                return false;
            }

            percents.Add(value);
        }

        return true;
    }

    private static bool TryVariants(string text, string option, out List<Variant> variants)
    {
        variants = [];
        foreach (var v in Split(text))
        {
            var match = PaperAnchors.Variants.Where(x => PaperAnchors.Slug(x) == v).ToList();
            if (match.Count == 0)
            {
                Console.Error.WriteLine($"{option}: unknown variant '{v}'");
                return false;
            }

            variants.Add(match[0]);
        }

        return true;
    }

    private static List<string> Split(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
