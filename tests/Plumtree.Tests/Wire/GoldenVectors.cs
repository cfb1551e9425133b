using System.Text.Json;

namespace Plumtree.Tests.Wire;

/// <summary>
/// The shared vectors in <c>testdata/plumtree-frames.json</c> (copied next to the test binary), meant for
/// other implementations too: <c>vectors</c> are valid frames, <c>invalid</c> are inputs every decoder must
/// refuse with the given reason when decoding with <c>max_frame_size</c>.
/// </summary>
internal static class GoldenVectors
{
    private static readonly Lazy<Data> Loaded = new(Load);

    public static int MaxFrameSize => Loaded.Value.MaxFrameSize;

    public static IReadOnlyList<Vector> Valid => Loaded.Value.Valid;

    public static IReadOnlyList<InvalidVector> Invalid => Loaded.Value.Invalid;

    public static Vector Named(string name) =>
        Valid.SingleOrDefault(v => v.Name == name) ?? throw new KeyNotFoundException($"No golden vector named '{name}' in plumtree-frames.json.");

    public static TheoryData<string> ValidNames() => [.. Valid.Select(v => v.Name)];

    public static TheoryData<string> InvalidNames() => [.. Invalid.Select(v => v.Name)];

    private static Data Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "testdata", "plumtree-frames.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var valid = root.GetProperty("vectors").EnumerateArray()
            .Select(v => new Vector(v.GetProperty("name").GetString()!, v.GetProperty("hex").GetString()!, v.GetProperty("note").GetString()!))
            .ToList();
        var invalid = root.GetProperty("invalid").EnumerateArray()
            .Select(v => new InvalidVector(
                v.GetProperty("name").GetString()!,
                v.GetProperty("hex").GetString()!,
                v.GetProperty("reason").GetString()!,
                v.GetProperty("frame_length").ValueKind == JsonValueKind.Null ? null : v.GetProperty("frame_length").GetInt64(),
                v.GetProperty("note").GetString()!))
            .ToList();
        return new Data(root.GetProperty("max_frame_size").GetInt32(), valid, invalid);
    }

    public sealed record Vector(string Name, string Hex, string Note)
    {
        public byte[] Bytes => Convert.FromHexString(Hex);
    }

    public sealed record InvalidVector(string Name, string Hex, string Reason, long? FrameLength, string Note)
    {
        public byte[] Bytes => Convert.FromHexString(Hex);
    }

    private sealed record Data(int MaxFrameSize, List<Vector> Valid, List<InvalidVector> Invalid);
}
