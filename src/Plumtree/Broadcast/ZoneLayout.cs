namespace Plumtree.Broadcast;

/// <summary>
/// The zones of a <see cref="PeerView"/> with two or more of them: zone names sorted ordinally (the unnamed zone is
/// the empty string), each member's zone index, and each zone's members as ring positions in ring (hash) order, so a
/// zone's sub-ring and the merged ring of two zones are read off the shared view without copying it. Immutable.
/// </summary>
internal sealed class ZoneLayout
{
    private ZoneLayout(string[] names, int[] zoneAt, int[] indexInZone, int[][] positions)
    {
        Names = names;
        ZoneAt = zoneAt;
        IndexInZone = indexInZone;
        Positions = positions;
    }

    /// <summary>Zone names, sorted ordinally; the unnamed zone is "".</summary>
    public string[] Names { get; }

    /// <summary>Zone index of the member at each ring position.</summary>
    public int[] ZoneAt { get; }

    /// <summary>Index of the member at each ring position within its zone's sub-ring.</summary>
    public int[] IndexInZone { get; }

    /// <summary>Per zone, the ring positions of its members, ascending (the zone's sub-ring).</summary>
    public int[][] Positions { get; }

    /// <summary>Number of zones.</summary>
    public int Count => Names.Length;

    /// <summary>The layout of <paramref name="ring"/> (names in ring order), or null when every member is in one zone.</summary>
    public static ZoneLayout? Build(string[] ring, IReadOnlyDictionary<string, string> zones)
    {
        var zoneOf = new string[ring.Length];
        var distinct = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ring.Length; i++)
        {
            zoneOf[i] = zones.TryGetValue(ring[i], out var zone) && zone is not null ? zone : "";
            distinct.Add(zoneOf[i]);
        }

        if (distinct.Count < 2)
        {
            return null;
        }

        var names = distinct.ToArray();
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var z = 0; z < names.Length; z++)
        {
            indexOf[names[z]] = z;
        }

        var zoneAt = new int[ring.Length];
        var indexInZone = new int[ring.Length];
        var lists = new List<int>[names.Length];
        for (var z = 0; z < names.Length; z++)
        {
            lists[z] = [];
        }

        for (var i = 0; i < ring.Length; i++)
        {
            var z = indexOf[zoneOf[i]];
            zoneAt[i] = z;
            indexInZone[i] = lists[z].Count;
            lists[z].Add(i);
        }

        return new ZoneLayout(names, zoneAt, indexInZone, [.. lists.Select(static l => l.ToArray())]);
    }

    /// <summary>The first member of zone <paramref name="zone"/> after ring position <paramref name="position"/> (circular), as a ring position.</summary>
    public int SuccessorIn(int zone, int position)
    {
        var members = Positions[zone];
        var i = Array.BinarySearch(members, position);
        i = i >= 0 ? i + 1 : ~i;
        return members[i == members.Length ? 0 : i];
    }

    /// <summary>The last member of zone <paramref name="zone"/> before ring position <paramref name="position"/> (circular), as a ring position.</summary>
    public int PredecessorIn(int zone, int position)
    {
        var members = Positions[zone];
        var i = Array.BinarySearch(members, position);
        i = (i >= 0 ? i : ~i) - 1;
        return members[i < 0 ? members.Length - 1 : i];
    }
}
