using BenchmarkDotNet.Running;
using Plumtree.Benchmarks;

if (args.Length > 0 && args[0] == "sync-figures")
{
    return SyncFigures.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "sync-engine-figures")
{
    return SyncEngineFigures.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Entry point holder for BenchmarkDotNet; <c>sync-figures [page bytes]</c> prints reconciliation figures instead, <c>sync-engine-figures [page bytes]</c> whole engine rounds.</summary>
public partial class Program;
