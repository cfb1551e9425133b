using System.Globalization;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Membership;

/// <summary>
/// Which members take part in Plumtree: those whose meta carries the <c>pt</c> tag in serf's tag encoding
/// (<c>0xFF</c> + msgpack map). Other members (plain memberlist nodes, serf agents) are just members.
/// The node runtime builds <c>Plumtree.Broadcast.PeerView</c> from <see cref="Names"/>, <see cref="Zones"/> and
/// <see cref="Legacy"/>.
/// </summary>
internal static class PlumtreePeers
{
    /// <summary>The tag whose presence marks a Plumtree node; its value is the Plumtree protocol version.</summary>
    public const string Tag = "pt";

    /// <summary>The first Plumtree protocol version with the Splice frame (type 7).</summary>
    public const int SpliceVersion = 2;

    /// <summary>The <c>pt</c> tag's value in <paramref name="meta"/>, or <see langword="null"/> when absent or the meta is not tags.</summary>
    public static string? TagValue(ReadOnlyMemory<byte> meta)
    {
        if (meta.IsEmpty || meta.Span[0] != SerfTags.MagicByte)
        {
            return null;
        }

        try
        {
            return SerfTags.Decode(meta).TryGetValue(Tag, out var value) ? value : null;
        }
        catch (WireDecodeException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="member"/> carries the <c>pt</c> tag.</summary>
    public static bool IsCapable(Member member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return TagValue(member.Meta) is not null;
    }

    /// <summary>
    /// True when a <c>pt</c> value announces a protocol that knows the Splice frame: a decimal integer of at least
    /// <see cref="SpliceVersion"/>. Any other value ("1", or one this release cannot read) is a Plumtree member all the
    /// same, just a legacy one.
    /// </summary>
    public static bool KnowsSplice(string? tagValue) =>
        int.TryParse(tagValue, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= SpliceVersion;

    /// <summary>
    /// Names of the Plumtree-capable members that are alive or suspect (a suspect may well be alive;
    /// Plumtree repairs around it), optionally excluding <paramref name="exclude"/> (this node).
    /// </summary>
    public static IReadOnlyList<string> Names(IEnumerable<Member> members, string? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        return
        [
            .. members
                .Where(m => m.State is MemberState.Alive or MemberState.Suspect
                            && !string.Equals(m.Name, exclude, StringComparison.Ordinal)
                            && IsCapable(m))
                .Select(static m => m.Name),
        ];
    }

    /// <summary>
    /// The failure zone (the <c>zone</c> tag) of each Plumtree-capable alive or suspect member that has one, by name;
    /// members without a zone are left out (the broadcast view puts them in the unnamed zone).
    /// </summary>
    public static Dictionary<string, string> Zones(IEnumerable<Member> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (member.State is not (MemberState.Alive or MemberState.Suspect) || member.Meta.IsEmpty || member.Meta.Span[0] != SerfTags.MagicByte)
            {
                continue;
            }

            var tags = MemberMeta.Decode(member.Meta);
            if (tags.ContainsKey(Tag) && tags.TryGetValue(MemberMeta.ZoneTag, out var zone) && zone.Length > 0)
            {
                zones[member.Name] = zone;
            }
        }

        return zones;
    }

    /// <summary>
    /// Names of the Plumtree-capable alive or suspect members whose <c>pt</c> value does not know the Splice frame
    /// (<see cref="KnowsSplice"/>): the broadcast view marks them legacy. Empty when every member is current.
    /// </summary>
    public static HashSet<string> Legacy(IEnumerable<Member> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var legacy = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (member.State is MemberState.Alive or MemberState.Suspect
                && TagValue(member.Meta) is { } version && !KnowsSplice(version))
            {
                legacy.Add(member.Name);
            }
        }

        return legacy;
    }
}
