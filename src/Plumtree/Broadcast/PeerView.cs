using System.IO.Hashing;
using System.Text;

namespace Plumtree.Broadcast;

/// <summary>
/// An immutable snapshot of the Plumtree-capable members (the <c>pt</c>-tagged ones), ordered on a hash
/// ring by a stable hash of the node name. One snapshot is shared by every reader (the simulator hands
/// the same object to 10,000 engines), so nothing here may be mutated after construction.
/// </summary>
/// <remarks>
/// A view may carry each member's failure zone (the <c>zone</c> tag of its meta). A member without one is in the
/// unnamed zone, so a view where no member has a zone has one zone and the overlay ignores zones (see
/// <c>docs/broadcast.md</c>, "Zones").
/// <para>
/// A view may also mark members as legacy: they advertise a Plumtree protocol older than 2 (the <c>pt</c> tag) and do
/// not know the Splice frame, so the engine never sends them one (see <c>docs/broadcast.md</c>, "Splice"). A view where
/// every member is current carries nothing for this.
/// </para>
/// </remarks>
public sealed class PeerView
{
    private readonly string[] _ring;
    // A plain dictionary, not a frozen one: a view is rebuilt on every membership change, and building a
    // FrozenDictionary of 256 names cost ~190 µs against ~13 µs (measured here); with hundreds of nodes in one
    // process that was most of a start-up's CPU. Lookups are hardly slower.
    private readonly Dictionary<string, int> _index;
    private readonly ZoneLayout? _zones;
    private readonly bool[]? _legacy;
    private readonly string[]? _spliceRing;

    private PeerView(string[] ring, long version, IReadOnlyDictionary<string, string>? zones)
    {
        _ring = ring;
        Version = version;
        _index = new Dictionary<string, int>(ring.Length, StringComparer.Ordinal);
        for (var i = 0; i < ring.Length; i++)
        {
            _index[ring[i]] = i;
        }

        _zones = zones is { Count: > 0 } ? ZoneLayout.Build(ring, zones) : null;
    }

    private PeerView(PeerView view, bool[] legacy)
    {
        _ring = view._ring;
        Version = view.Version;
        _index = view._index;
        _zones = view._zones;
        _legacy = legacy;
        _spliceRing = [.. view._ring.Where((_, i) => !legacy[i])];
    }

    /// <summary>An empty view.</summary>
    public static PeerView Empty { get; } = new([], 0, null);

    /// <summary>Builds a view from member names (duplicates are ignored); no member has a zone.</summary>
    public static PeerView Create(IEnumerable<string> names, long version = 0) => CreateZoned(names, null, version);

    /// <summary>
    /// Builds a view from member names (duplicates are ignored) and their failure zones: <paramref name="zones"/> maps
    /// a name to its zone; a member it does not list (or lists with an empty zone) is in the unnamed zone.
    /// </summary>
    public static PeerView CreateZoned(IEnumerable<string> names, IReadOnlyDictionary<string, string>? zones, long version = 0)
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

        return new PeerView(ring, version, zones);
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

    /// <summary>Distinct zones among the members (the unnamed zone counts as one when a member is in it); 1 when no member has a zone, 0 when empty.</summary>
    public int ZoneCount => _zones?.Count ?? (_ring.Length == 0 ? 0 : 1);

    /// <summary>The zone of <paramref name="name"/>, or null when it has none or is not in the view.</summary>
    public string? ZoneOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_zones is null || !_index.TryGetValue(name, out var position))
        {
            return null;
        }

        var zone = _zones.Names[_zones.ZoneAt[position]];
        return zone.Length == 0 ? null : zone;
    }

    /// <summary>Members marked legacy (<see cref="WithLegacyMembers"/>): they do not know the Splice frame.</summary>
    public int LegacyCount => _ring.Length - SpliceRing.Length;

    /// <summary>
    /// False when <paramref name="name"/> is marked legacy (a Plumtree protocol older than 2, without the Splice frame);
    /// true for every other member, and for a name not in the view.
    /// </summary>
    public bool KnowsSplice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _legacy is null || !_index.TryGetValue(name, out var position) || !_legacy[position];
    }

    /// <summary>
    /// This view with the members in <paramref name="legacy"/> marked legacy: they speak a Plumtree protocol older than
    /// 2 and are never sent a Splice frame. Names not in the view are ignored; with none left this view is returned.
    /// </summary>
    public PeerView WithLegacyMembers(IEnumerable<string> legacy)
    {
        ArgumentNullException.ThrowIfNull(legacy);
        bool[]? marks = null;
        foreach (var name in legacy)
        {
            if (name is not null && _index.TryGetValue(name, out var position))
            {
                marks ??= _legacy is null ? new bool[_ring.Length] : (bool[])_legacy.Clone();
                marks[position] = true;
            }
        }

        return marks is null ? this : new PeerView(this, marks);
    }

    /// <summary>The members that know the Splice frame, in ring order (the whole ring when none is legacy).</summary>
    internal ReadOnlySpan<string> SpliceRing => _spliceRing ?? _ring;

    /// <summary>The zone layout (null when there is at most one zone): per-zone sub-rings in ring order.</summary>
    internal ZoneLayout? Zones => _zones;

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
