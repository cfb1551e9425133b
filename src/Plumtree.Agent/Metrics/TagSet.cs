using System.Text;

namespace Plumtree.Agent.Metrics;

/// <summary>
/// A series' label set, sorted by key (ordinal), as the key of a family's series. Its hash does not depend on the
/// order of the tags, so a measurement's tags (in any order) find it through <see cref="TagSetComparer"/> without
/// being copied.
/// </summary>
internal sealed class TagSet
{
    public TagSet(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Tags = tags.ToArray();
        Array.Sort(Tags, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        Hash = HashOf(tags);
    }

    public KeyValuePair<string, object?>[] Tags { get; }

    public int Hash { get; }

    /// <summary>The labels as exported, <c>a="1",b="2"</c>, in key order.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in Tags)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            PrometheusText.AppendLabelName(text, key);
            text.Append("=\"");
            PrometheusText.AppendLabelValue(text, value);
            text.Append('"');
        }

        return text.ToString();
    }

    /// <summary>A hash of the tags that ignores their order (a sum of the pairs' hashes).</summary>
    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = tags.Length;
        foreach (var (key, value) in tags)
        {
            hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), value);
        }

        return hash;
    }

    /// <summary>Whether <paramref name="tags"/> (in any order) are this set: the same keys with equal values.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Tags.Length)
        {
            return false;
        }

        foreach (var (key, value) in tags)
        {
            var found = false;
            foreach (var (k, v) in Tags)
            {
                if (string.Equals(k, key, StringComparison.Ordinal))
                {
                    found = Equals(v, value);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Compares <see cref="TagSet"/>s, and a measurement's tags with a <see cref="TagSet"/> (the allocation-free lookup).</summary>
internal sealed class TagSetComparer : IEqualityComparer<TagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
{
    public static readonly TagSetComparer Instance = new();

    public bool Equals(TagSet? x, TagSet? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Hash == y.Hash && x.Matches(y.Tags));

    public int GetHashCode(TagSet obj) => obj.Hash;

    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other) => other.Matches(alternate);

    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.HashOf(alternate);

    public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => new(alternate);
}
