using Plumtree.Membership;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Node;

/// <summary>
/// Each member's decoded tags, Plumtree capability and zone, kept while its meta is the same buffer. A membership
/// change rebuilds the node's member snapshot and broadcast view from every member; without this, each change
/// decoded every member's tags three times (snapshot, capability, zones): O(N) dictionaries per change at every
/// node, O(N²) per change across a cluster hosted in one process, enough to stall 180 nodes on two cores.
/// The engine hands out the same meta buffer until the member's meta changes. Called from the node's loop only.
/// </summary>
internal sealed class MemberTagCache
{
    private readonly Dictionary<string, Entry> _byName = new(StringComparer.Ordinal);

    /// <summary>The tags of <paramref name="member"/> (as <see cref="MemberMeta.Decode"/>).</summary>
    public IReadOnlyDictionary<string, string> Tags(Member member) => Get(member).Tags;

    /// <summary>Whether <paramref name="member"/> carries the <c>pt</c> tag (as <see cref="PlumtreePeers.IsCapable"/>).</summary>
    public bool IsCapable(Member member) => Get(member).Capable;

    /// <summary>Names of the Plumtree-capable alive or suspect members but <paramref name="exclude"/> (as <see cref="PlumtreePeers.Names"/>).</summary>
    public IReadOnlyList<string> Names(IEnumerable<Member> members, string? exclude)
    {
        var names = new List<string>();
        foreach (var m in members)
        {
            if (m.State is MemberState.Alive or MemberState.Suspect && !string.Equals(m.Name, exclude, StringComparison.Ordinal) && IsCapable(m))
            {
                names.Add(m.Name);
            }
        }

        return names;
    }

    /// <summary>The zone of each Plumtree-capable alive or suspect member that has one (as <see cref="PlumtreePeers.Zones"/>).</summary>
    public Dictionary<string, string> Zones(IEnumerable<Member> members)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in members)
        {
            if (m.State is MemberState.Alive or MemberState.Suspect && Get(m).Zone is { } zone)
            {
                zones[m.Name] = zone;
            }
        }

        return zones;
    }

    /// <summary>
    /// Names of the Plumtree-capable alive or suspect members whose <c>pt</c> value does not know the Splice frame
    /// (as <see cref="PlumtreePeers.Legacy"/>): the broadcast view marks them legacy.
    /// </summary>
    public HashSet<string> Legacy(IEnumerable<Member> members)
    {
        var legacy = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in members)
        {
            if (m.State is MemberState.Alive or MemberState.Suspect && Get(m) is { Capable: true, KnowsSplice: false })
            {
                legacy.Add(m.Name);
            }
        }

        return legacy;
    }

    /// <summary>Forgets members no longer known (called when the member table changed).</summary>
    public void Retain(IReadOnlyList<Member> members)
    {
        if (_byName.Count <= members.Count)
        {
            return;
        }

        var known = members.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _byName.Keys.Where(name => !known.Contains(name)).ToList())
        {
            _byName.Remove(name);
        }
    }

    private Entry Get(Member member)
    {
        if (_byName.TryGetValue(member.Name, out var entry) && entry.Meta.Equals(member.Meta))
        {
            return entry;
        }

        var tags = MemberMeta.Decode(member.Meta);
        string? zone = null;
        if (!member.Meta.IsEmpty && member.Meta.Span[0] == SerfTags.MagicByte && tags.ContainsKey(PlumtreePeers.Tag)
            && tags.TryGetValue(MemberMeta.ZoneTag, out var z) && z.Length > 0)
        {
            zone = z;
        }

        var pt = PlumtreePeers.TagValue(member.Meta);
        entry = new Entry(member.Meta, tags, pt is not null, zone, PlumtreePeers.KnowsSplice(pt));
        _byName[member.Name] = entry;
        return entry;
    }

    private sealed record Entry(ReadOnlyMemory<byte> Meta, IReadOnlyDictionary<string, string> Tags, bool Capable, string? Zone, bool KnowsSplice);
}
