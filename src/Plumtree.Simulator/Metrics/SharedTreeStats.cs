namespace Plumtree.Simulator.Metrics;

/// <summary>The shared tree at the end of a run (live engines only).</summary>
/// <param name="Roots">Distinct roots in force among the live engines (1 when they agree; a node without a root counts none).</param>
/// <param name="WithoutRoot">Live engines with no root in force.</param>
/// <param name="Inactive">Live engines with a root but no parent toward it that are not the root themselves.</param>
/// <param name="Detached">Live engines whose parent chain does not reach their root (a loop, or a dead or rootless parent).</param>
/// <param name="NonTreeEager">Eager links (one end's view) that are not a parent link of either end.</param>
internal sealed record SharedTreeStats(int Roots, int WithoutRoot, int Inactive, int Detached, int NonTreeEager);
