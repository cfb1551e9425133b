using System.Buffers;
using System.Text;
using MessagePack;

namespace Plumtree.Wire.Memberlist.Serf;

/// <summary>
/// Serf's node meta: tags as <c>0xFF</c> followed by a msgpack <c>map[string]string</c> (serf protocol ≥ 3).
/// Meta that does not start with <c>0xFF</c> (including empty meta) is the legacy form: one tag
/// <c>role</c> whose value is the meta as text (memberlist-wire.md §12).
/// </summary>
internal static class SerfTags
{
    /// <summary>First byte of tag-encoded meta.</summary>
    public const byte MagicByte = 0xFF;

    /// <summary>The tag legacy meta is read into.</summary>
    public const string LegacyRoleTag = "role";

    /// <summary>
    /// Encodes tags as node meta. Keys are written in ordinal order so the output is deterministic
    /// (Go writes them in random order; every order decodes the same).
    /// </summary>
    /// <exception cref="ArgumentException">The encoded meta exceeds 512 bytes (memberlist's <c>MetaMaxSize</c>).</exception>
    public static byte[] Encode(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var output = new ArrayBufferWriter<byte>(64);
        var writer = GoMsgpack.CreateWriter(output);
        writer.GetSpan(1)[0] = MagicByte;
        writer.Advance(1);
        writer.WriteMapHeader(tags.Count);
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            writer.Write(key);
            writer.Write(value);
        }

        writer.Flush();
        if (output.WrittenCount > Alive.MetaMaxSize)
        {
            throw new ArgumentException($"Encoded tags take {output.WrittenCount} bytes; node meta is limited to {Alive.MetaMaxSize}.", nameof(tags));
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes node meta into tags (legacy meta gives <c>{ role: meta-as-text }</c>).</summary>
    /// <exception cref="WireDecodeException">Tag-encoded meta that is not a msgpack map of strings.</exception>
    public static Dictionary<string, string> Decode(ReadOnlyMemory<byte> meta)
    {
        var span = meta.Span;
        if (span.IsEmpty || span[0] != MagicByte)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal) { [LegacyRoleTag] = Encoding.UTF8.GetString(span) };
        }

        var reader = new MessagePackReader(meta[1..]);
        try
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            if (reader.TryReadNil())
            {
                return tags;
            }

            if (reader.NextMessagePackType != MessagePackType.Map)
            {
                throw new WireDecodeException(GoMsgpack.Layer, "type_mismatch", "Serf tags must be a msgpack map.");
            }

            var count = reader.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                var key = GoMsgpack.ReadString(ref reader, "tag name");
                tags[key] = GoMsgpack.ReadString(ref reader, "tag value");
            }

            return tags;
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e))
        {
            throw GoMsgpack.Wrap(e, "serf tags");
        }
    }
}
