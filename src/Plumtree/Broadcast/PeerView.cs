using System.Collections.Frozen;
using System.IO.Hashing;
using System.Text;

namespace Plumtree.Broadcast;

/// <summary>
/// An immutable snapshot of the Plumtree-capable members (the <c>pt</c>-tagged ones), ordered on a hash
/// ring by a stable hash of the node name. One snapshot is shared by every reader (the simulator hands
/// the same object to 10,000 engines), so nothing here may be mutated after construction.
/// </summary>
public sealed class PeerView
{
    private readonly string[] _ring;
    private readonly FrozenDictionary<string, int> _index;

    private PeerView(string[] ring, long version)
    {
        _ring = ring;
        Version = version;
        _index = ring.Select((name, i) => KeyValuePair.Create(name, i)).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>An empty view.</summary>
    public static PeerView Empty { get; } = new([], 0);

    /// <summary>Builds a view from member names (duplicates are ignored).</summary>
    public static PeerView Create(IEnumerable<string> names, long version = 0)
    {
        ArgumentNullException.ThrowIfNull(names);
        var ring = names.Distinct(StringComparer.Ordinal).ToArray();
        var keys = new (ulong Hash, string Name)[ring.Length];
        for (var i = 0; i < ring.Length; i++)
        {
            keys[i] = (RingHash(ring[i]), ring[i]);
        }

        Array.Sort(keys, static (a, b) =>
        {
            var c = a.Hash.CompareTo(b.Hash);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        for (var i = 0; i < keys.Length; i++)
        {
            ring[i] = keys[i].Name;
        }

        return new PeerView(ring, version);
    }

    /// <summary>A caller-chosen version number (the membership generation it was built from).</summary>
    public long Version { get; }

    /// <summary>Number of members in the view.</summary>
    public int Count => _ring.Length;

    /// <summary>The member at ring position <paramref name="position"/>, modulo the ring size.</summary>
    public string this[int position] => _ring[((position % _ring.Length) + _ring.Length) % _ring.Length];

    /// <summary>Members in ring order.</summary>
    public ReadOnlySpan<string> Ring => _ring;

    /// <summary>True when <paramref name="name"/> is in the view.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>Ring position of <paramref name="name"/>, or -1 when absent.</summary>
    public int PositionOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The stable ring hash of a node name: XxHash64 of its UTF-8 bytes, seed 0.</summary>
    public static ulong RingHash(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> buffer = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(name.Length);
        if (max <= buffer.Length)
        {
            var n = Encoding.UTF8.GetBytes(name, buffer);
            return XxHash64.HashToUInt64(buffer[..n]);
        }

        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name));
    }
}
