using Plumtree.Wire;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Membership;

/// <summary>
/// The meta a Plumtree member publishes: serf's tag encoding (<c>0xFF</c> + msgpack map of strings) holding the
/// user tags, <c>zone</c>, and <c>pt</c> = the Plumtree protocol version, which marks the member as a
/// broadcast-tree member. Serf reads the same meta as the member's tags.
/// </summary>
internal static class MemberMeta
{
    /// <summary>The capability tag (<see cref="PlumtreePeers.Tag"/>).</summary>
    public const string PlumtreeTag = PlumtreePeers.Tag;

    /// <summary>The failure-zone tag.</summary>
    public const string ZoneTag = "zone";

    /// <summary>
    /// The Plumtree protocol version this node speaks (the value of <c>pt</c>): 2, the version with the Splice frame
    /// (<see cref="PlumtreePeers.SpliceVersion"/>). Members that publish 1 (the previous release) are still Plumtree members.
    /// </summary>
    public const string ProtocolVersion = "2";

    /// <summary>Every tag a member publishes: the user's, the zone (when set) and <c>pt</c>.</summary>
    public static Dictionary<string, string> Tags(IEnumerable<KeyValuePair<string, string>>? userTags, string? zone)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (userTags is not null)
        {
            foreach (var (key, value) in userTags)
            {
                tags[key] = value ?? "";
            }
        }

        if (!string.IsNullOrEmpty(zone))
        {
            tags[ZoneTag] = zone;
        }

        tags[PlumtreeTag] = ProtocolVersion;
        return tags;
    }

    /// <summary>The encoded meta.</summary>
    /// <exception cref="ArgumentException">More than 512 bytes.</exception>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, string>>? userTags, string? zone) => SerfTags.Encode(Tags(userTags, zone));

    /// <summary>True when the encoded meta fits memberlist's 512-byte limit.</summary>
    public static bool Fits(IEnumerable<KeyValuePair<string, string>>? userTags, string? zone)
    {
        try
        {
            _ = Encode(userTags, zone);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Tags in a member's meta: empty for empty or undecodable meta, <c>role</c> for serf's legacy form.</summary>
    public static IReadOnlyDictionary<string, string> Decode(ReadOnlyMemory<byte> meta)
    {
        if (meta.IsEmpty)
        {
            return Empty;
        }

        try
        {
            return SerfTags.Decode(meta);
        }
        catch (WireDecodeException)
        {
            return Empty;
        }
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>(StringComparer.Ordinal);
}
