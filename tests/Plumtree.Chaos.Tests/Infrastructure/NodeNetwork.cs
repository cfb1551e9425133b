namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>One node's place in a <see cref="ChaosNetwork"/>: its namespace, its address on <c>eth0</c>, and its port on the bridge.</summary>
internal sealed record NodeNetwork(string Name, string Namespace, string Address, string BridgePort);
