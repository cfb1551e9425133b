using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Core;

/// <summary>The shared tree's state at the end of a run (<see cref="SimConfig.SharedTree"/>).</summary>
internal sealed partial class Simulation
{
    private SharedTreeStats MeasureSharedTree()
    {
        var engines = _engines!;
        var roots = new HashSet<string>(StringComparer.Ordinal);
        int withoutRoot = 0, inactive = 0, detached = 0, nonTree = 0;
        for (var i = 0; i < _n; i++)
        {
            if (!_alive[i] || engines[i] is not { } engine)
            {
                continue;
            }

            if (engine.SharedTreeRoot is not { } root)
            {
                withoutRoot++;
                continue;
            }

            roots.Add(root);
            if (engine.SharedTreeParent is null && !string.Equals(root, _names[i], StringComparison.Ordinal))
            {
                inactive++;
            }

            // Follow the parents: the chain must end at the root within n steps.
            var node = i;
            var reached = false;
            for (var step = 0; step <= _n; step++)
            {
                if (string.Equals(_names[node], root, StringComparison.Ordinal))
                {
                    reached = true;
                    break;
                }

                var parent = engines[node]?.SharedTreeParent;
                if (parent is null || !_alive[_index[parent]])
                {
                    break;
                }

                node = _index[parent];
            }

            if (!reached)
            {
                detached++;
            }

            foreach (var peer in engine.EagerPeers)
            {
                var other = engines[_index[peer]];
                if (peer != engine.SharedTreeParent && other?.SharedTreeParent != _names[i])
                {
                    nonTree++;
                }
            }
        }

        return new SharedTreeStats(roots.Count, withoutRoot, inactive, detached, nonTree);
    }
}
