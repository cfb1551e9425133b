using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>
/// memberlist's push/pull version check (<c>verifyProtocol</c>, memberlist-wire.md §9): the highest minimum
/// and lowest maximum over the alive nodes of both lists, then every node's current versions must lie in
/// those ranges.
/// </summary>
internal static class ProtocolVersionCheck
{
    /// <summary>Returns why the merge must be rejected, or <see langword="null"/> when the versions fit.</summary>
    public static string? Verify(IReadOnlyList<PushNodeState> remote, IEnumerable<NodeState> local)
    {
        byte maxPMin = 0, minPMax = byte.MaxValue, maxDMin = 0, minDMax = byte.MaxValue;
        foreach (var node in remote)
        {
            // Remote entries without Vsn are skipped here and count as version 0 below.
            if (node.State != NodeStateKind.Alive || node.Vsn is not { } v)
            {
                continue;
            }

            Widen(v);
        }

        var localNodes = local as IReadOnlyCollection<NodeState> ?? [.. local];
        foreach (var node in localNodes)
        {
            if (node.State == MemberState.Alive)
            {
                Widen(node.Vsn);
            }
        }

        foreach (var node in remote)
        {
            var v = node.Vsn ?? default;
            if (Check(node.Name, v.ProtocolCurrent, v.DelegateCurrent) is { } error)
            {
                return error;
            }
        }

        foreach (var node in localNodes)
        {
            if (Check(node.Name, node.Vsn.ProtocolCurrent, node.Vsn.DelegateCurrent) is { } error)
            {
                return error;
            }
        }

        return null;

        void Widen(ProtocolVersions v)
        {
            maxPMin = Math.Max(maxPMin, v.ProtocolMin);
            minPMax = Math.Min(minPMax, v.ProtocolMax);
            maxDMin = Math.Max(maxDMin, v.DelegateMin);
            minDMax = Math.Min(minDMax, v.DelegateMax);
        }

        string? Check(string name, byte pCur, byte dCur)
        {
            if (pCur < maxPMin || pCur > minPMax)
            {
                return $"Node '{name}' protocol version ({pCur}) is incompatible: [{maxPMin}, {minPMax}]";
            }

            if (dCur < maxDMin || dCur > minDMax)
            {
                return $"Node '{name}' delegate protocol version ({dCur}) is incompatible: [{maxDMin}, {minDMax}]";
            }

            return null;
        }
    }
}
