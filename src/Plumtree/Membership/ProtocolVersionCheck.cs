using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>
/// memberlist's push/pull version check (<c>verifyProtocol</c>, memberlist-wire.md §9): the highest minimum
/// and lowest maximum over the alive nodes of both lists, then every alive node's current versions must lie in
/// those ranges. Unlike memberlist 0.2.2, which checks every node of both lists in the second step (a dead node, or
/// one stored without versions, counts as version 0), only alive nodes with versions are checked: the ones the range
/// is made of. A spoofed alive without versions, or a dead node of an old version, can no longer block every join
/// through this node (memberlist rejects such a merge for as long as the node stays in its table).
/// </summary>
internal static class ProtocolVersionCheck
{
    /// <summary>Returns why the merge must be rejected, or <see langword="null"/> when the versions fit.</summary>
    public static string? Verify(IReadOnlyList<PushNodeState> remote, IEnumerable<NodeState> local)
    {
        byte maxPMin = 0, minPMax = byte.MaxValue, maxDMin = 0, minDMax = byte.MaxValue;
        var remoteNodes = new List<(string Name, ProtocolVersions Vsn)>(remote.Count);
        foreach (var node in remote)
        {
            if (node.State == NodeStateKind.Alive && node.Vsn is { } v)
            {
                remoteNodes.Add((node.Name, v));
                Widen(v);
            }
        }

        var localNodes = new List<(string Name, ProtocolVersions Vsn)>();
        foreach (var node in local)
        {
            if (node.State == MemberState.Alive && node.Vsn != default)
            {
                localNodes.Add((node.Name, node.Vsn));
                Widen(node.Vsn);
            }
        }

        foreach (var (name, v) in remoteNodes)
        {
            if (Check(name, v.ProtocolCurrent, v.DelegateCurrent) is { } error)
            {
                return error;
            }
        }

        foreach (var (name, v) in localNodes)
        {
            if (Check(name, v.ProtocolCurrent, v.DelegateCurrent) is { } error)
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
