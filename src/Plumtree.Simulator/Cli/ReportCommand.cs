using System.CommandLine;

namespace Plumtree.Simulator.Cli;

/// <summary><c>plumtree-sim report</c>: the paper's suite, written as a markdown report with SVG plots.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var command = new Command("report", "Run the paper's suite and write DIR/report.md with tables and SVG plots");
        command.SetAction(_ => 1);
        return command;
    }
}
