using System.CommandLine;
using Plumtree.Simulator.Cli;

namespace Plumtree.Simulator;

/// <summary>Entry point of <c>plumtree-sim</c>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("plumtree-sim: deterministic discrete-event simulator of Plumtree (the real BroadcastEngine) that reproduces the paper's experiments")
        {
            PaperCommand.Create(),
            ReportCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
