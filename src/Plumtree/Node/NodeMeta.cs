using Plumtree.Membership;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Node;

/// <summary>
/// The node meta a <see cref="PlumtreeNode"/> publishes: serf's tag encoding (<c>0xFF</c> + msgpack map of
/// strings) holding the user tags, <c>zone</c>, and <c>pt</c> = the Plumtree protocol version, which marks
/// the node as a broadcast-tree member.
/// </summary>
internal static class NodeMeta
{
    /// <summary>The capability tag (<see cref="PlumtreePeers.Tag"/>).</summary>
    public const string PlumtreeTag = PlumtreePeers.Tag;

    /// <summary>The failure-zone tag.</summary>
    public const string ZoneTag = "zone";

    /// <summary>The Plumtree protocol version this node speaks (the value of <c>pt</c>).</summary>
    public const string ProtocolVersion = "1";

    /// <summary>Every tag the node publishes.</summary>
    public static Dictionary<string, string> Tags(PlumtreeNodeOptions options)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.Tags is not null)
        {
            foreach (var (key, value) in options.Tags)
            {
                tags[key] = value ?? "";
            }
        }

        if (!string.IsNullOrEmpty(options.Zone))
        {
            tags[ZoneTag] = options.Zone;
        }

        tags[PlumtreeTag] = ProtocolVersion;
        return tags;
    }

    /// <summary>The encoded meta.</summary>
    /// <exception cref="ArgumentException">More than 512 bytes.</exception>
    public static byte[] Encode(PlumtreeNodeOptions options) => SerfTags.Encode(Tags(options));

    /// <summary>True when the encoded meta fits memberlist's 512-byte limit.</summary>
    public static bool Fits(PlumtreeNodeOptions options)
    {
        try
        {
            _ = Encode(options);
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
