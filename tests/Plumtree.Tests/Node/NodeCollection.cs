namespace Plumtree.Tests.Node;

/// <summary>Node tests run one at a time: each starts real clusters, and the machine has two cores.</summary>
[CollectionDefinition(Name)]
public sealed class NodeCollection
{
    public const string Name = "Node runtime (real sockets)";
}
