using System.Text.Json;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>The byte vectors made by the real Go codec (testdata/memberlist-vectors.json).</summary>
internal static class MemberlistVectors
{
    private static readonly Lazy<IReadOnlyDictionary<string, byte[]>> All = new(Load);

    public static IReadOnlyDictionary<string, byte[]> Bytes => All.Value;

    public static byte[] Get(string name) => All.Value[name];

    private static Dictionary<string, byte[]> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "testdata", "memberlist-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            result.Add(entry.GetProperty("name").GetString()!, Convert.FromHexString(entry.GetProperty("hex").GetString()!));
        }

        return result;
    }
}
