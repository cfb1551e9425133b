namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>What a <c>plumtree</c> CLI verb run on a node returned.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n{Stdout}{Stderr}";
}
