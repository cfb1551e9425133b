namespace Plumtree.Sync;

/// <summary>
/// A range of the reconciliation tree: node <see cref="Index"/> at <see cref="Depth"/> (the root is 0/0), covering
/// the id keys [<see cref="Lo"/>, <see cref="Hi"/>). Both sides derive the bounds from the round's top range, so
/// messages name a range by (depth, index) and never carry its bounds.
/// </summary>
internal readonly record struct SyncNode(int Depth, UInt128 Index, UInt128 Lo, UInt128 Hi)
{
    /// <summary>Width of the range in keys.</summary>
    public UInt128 Width => Hi - Lo;
}
