using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Plumtree.Agent.Http;

/// <summary>Turns a health check's figures (boxed values of any type) into JSON without reflection.</summary>
internal static class JsonData
{
    public static JsonObject ToJson(IReadOnlyDictionary<string, object> data)
    {
        var result = new JsonObject();
        foreach (var (key, value) in data.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            result[key] = ToNode(value);
        }

        return result;
    }

    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        uint u => JsonValue.Create(u),
        ulong u => JsonValue.Create(u),
        short s => JsonValue.Create(s),
        byte b => JsonValue.Create(b),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        float f => float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture)),
        decimal m => JsonValue.Create(m),
        TimeSpan t => JsonValue.Create(t.TotalSeconds),
        DateTimeOffset d => JsonValue.Create(d.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
        DateTime d => JsonValue.Create(d.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
        Enum e => JsonValue.Create(e.ToString().ToLowerInvariant()),
        IReadOnlyDictionary<string, object> map => ToJson(map),
        IEnumerable sequence => new JsonArray(sequence.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
