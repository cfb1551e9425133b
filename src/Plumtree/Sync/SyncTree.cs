namespace Plumtree.Sync;

/// <summary>
/// The implicit B-ary split of one round's top range [from, to) (whole milliseconds of the id space). A node's
/// children divide its key interval into B equal integer parts, so splits follow time: after a partition the
/// differences sit in the few nodes that cover the partition's time span. Nothing here is sent: both sides
/// compute the same bounds from the message header.
/// </summary>
internal sealed class SyncTree
{
    /// <summary>Creates the tree of the top range [<paramref name="lo"/>, <paramref name="hi"/>) split <c>2^branchBits</c> ways.</summary>
    public SyncTree(UInt128 lo, UInt128 hi, int branchBits)
    {
        if (branchBits is < SyncParameters.MinBranchBits or > SyncParameters.MaxBranchBits)
        {
            throw new ArgumentOutOfRangeException(nameof(branchBits));
        }

        if (hi < lo)
        {
            throw new ArgumentOutOfRangeException(nameof(hi));
        }

        BranchBits = branchBits;
        Root = new SyncNode(0, UInt128.Zero, lo, hi);
        MaxDepth = MaxDepthFor(branchBits);
    }

    /// <summary>log2 of the branching factor.</summary>
    public int BranchBits { get; }

    /// <summary>The branching factor B.</summary>
    public int Branching => 1 << BranchBits;

    /// <summary>Deepest node depth (indexes stay below 2^127).</summary>
    public int MaxDepth { get; }

    /// <summary>The top range.</summary>
    public SyncNode Root { get; }

    /// <summary>Deepest depth for a branching of <c>2^branchBits</c>.</summary>
    public static int MaxDepthFor(int branchBits) => 127 / branchBits;

    /// <summary>Number of nodes at <paramref name="depth"/> (B^depth).</summary>
    public UInt128 Capacity(int depth) => UInt128.One << (BranchBits * depth);

    /// <summary>Child <paramref name="k"/> (0 ≤ k &lt; B) of <paramref name="node"/>.</summary>
    public SyncNode Child(SyncNode node, int k)
    {
        var width = node.Hi - node.Lo;
        var lo = node.Lo + ChildOffset(width, k);
        var hi = k == Branching - 1 ? node.Hi : node.Lo + ChildOffset(width, k + 1);
        return new SyncNode(node.Depth + 1, (node.Index << BranchBits) + (uint)k, lo, hi);
    }

    /// <summary>The node at (<paramref name="depth"/>, <paramref name="index"/>); the caller checks both are in range.</summary>
    public SyncNode Resolve(int depth, UInt128 index)
    {
        var node = Root;
        for (var level = depth - 1; level >= 0; level--)
        {
            var digit = (int)((index >> (BranchBits * level)) & (uint)(Branching - 1));
            node = Child(node, digit);
        }

        return node;
    }

    /// <summary>The parent of a node below the root.</summary>
    public SyncNode Parent(SyncNode node) => Resolve(node.Depth - 1, node.Index >> BranchBits);

    /// <summary>True when (<paramref name="depth"/>, <paramref name="index"/>) names a node of this tree.</summary>
    public bool Contains(int depth, UInt128 index) => depth >= 0 && depth <= MaxDepth && index < Capacity(depth);

    /// <summary>
    /// The first index at <paramref name="depth"/> whose node starts at or after the end of node
    /// (<paramref name="prevDepth"/>, <paramref name="prevIndex"/>): the base of the delta-coded index of the next entry.
    /// </summary>
    public UInt128 NextIndexAfter(int prevDepth, UInt128 prevIndex, int depth)
    {
        var next = prevIndex + 1;
        if (depth >= prevDepth)
        {
            return next << (BranchBits * (depth - prevDepth));
        }

        var shift = BranchBits * (prevDepth - depth);
        var mask = (UInt128.One << shift) - 1;
        return (next >> shift) + ((next & mask) == 0 ? UInt128.Zero : UInt128.One);
    }

    private UInt128 ChildOffset(UInt128 width, int k) =>
        ((width >> BranchBits) * (uint)k) + (((width & (uint)(Branching - 1)) * (uint)k) >> BranchBits);
}
