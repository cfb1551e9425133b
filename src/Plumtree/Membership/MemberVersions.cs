using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>
/// The protocol and delegate versions a member advertises (memberlist's six-byte <c>Vsn</c>):
/// the range it understands and the version it speaks, for the memberlist protocol and for the
/// application ("delegate") protocol on top (serf: 2..5).
/// </summary>
/// <param name="ProtocolMin">Lowest memberlist protocol version understood.</param>
/// <param name="ProtocolMax">Highest memberlist protocol version understood (≥ 3 TCP pings, ≥ 4 nacks, ≥ 5 CRC).</param>
/// <param name="ProtocolCurrent">Memberlist protocol version spoken.</param>
/// <param name="DelegateMin">Lowest delegate protocol version understood.</param>
/// <param name="DelegateMax">Highest delegate protocol version understood.</param>
/// <param name="DelegateCurrent">Delegate protocol version spoken.</param>
public readonly record struct MemberVersions(
    byte ProtocolMin,
    byte ProtocolMax,
    byte ProtocolCurrent,
    byte DelegateMin,
    byte DelegateMax,
    byte DelegateCurrent)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"[{ProtocolMin},{ProtocolMax},{ProtocolCurrent},{DelegateMin},{DelegateMax},{DelegateCurrent}]";

    internal static MemberVersions From(ProtocolVersions v) =>
        new(v.ProtocolMin, v.ProtocolMax, v.ProtocolCurrent, v.DelegateMin, v.DelegateMax, v.DelegateCurrent);

    internal ProtocolVersions ToWire() =>
        new(ProtocolMin, ProtocolMax, ProtocolCurrent, DelegateMin, DelegateMax, DelegateCurrent);
}
