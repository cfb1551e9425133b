namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// The hostile-input suite runs alone: its thousands of datagrams and connections load the machine, and other
/// tests' timeouts should not pay for it (nor its counts depend on them).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCollection
{
    public const string Name = "Hostile input";
}
