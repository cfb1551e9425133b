namespace Plumtree.Agent.Cli;

/// <summary>A token source given explicitly cannot be used (exit 2).</summary>
internal sealed class CliTokenException(string message) : Exception(message);
