using System.Buffers.Binary;
using System.Text;
using Plumtree.Node;
using Plumtree.Wire;

namespace Plumtree.Keys;

/// <summary>
/// The body of a <see cref="Broadcast.FrameType.Keys"/> frame (<c>docs/wire-format.md</c>, "Keys frames"), big-endian:
/// <code>
/// body    := kind:u8 | rest
/// Command := kind=1 | id:16 | op:u8 | origin_len:u16 | origin (UTF-8) | key_len:u8 | key
/// Answer  := kind=2 | id:16 | op:u8 | node_len:u16 | node (UTF-8) | error_len:u16 | error (UTF-8; 0 = success)
///            | count:u8 | count × (key_len:u8 | key)          (the primary key first)
/// </code>
/// Decoding throws <see cref="WireDecodeException"/> (layer <c>plumtree</c>) for bad input.
/// </summary>
internal static class KeyCommandCodec
{
    /// <summary>The <see cref="WireDecodeException.Layer"/> of every error this codec throws (a Keys body is part of a Plumtree frame).</summary>
    public const string Layer = PlumtreeFrameCodec.Layer;

    /// <summary>The body kind of a command.</summary>
    public const byte CommandKind = 1;

    /// <summary>The body kind of an answer.</summary>
    public const byte AnswerKind = 2;

    /// <summary>Longest node name or error text carried (bytes of UTF-8).</summary>
    public const int MaxText = 1024;

    /// <summary>Most keys an answer carries.</summary>
    public const int MaxKeys = 255;

    /// <summary>Encodes a command.</summary>
    public static byte[] Encode(KeyCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var origin = Text(command.Origin);
        var buffer = new byte[1 + MessageId.Size + 1 + 2 + origin.Length + 1 + command.Key.Length];
        var span = buffer.AsSpan();
        span[0] = CommandKind;
        command.Id.WriteTo(span[1..]);
        var offset = 1 + MessageId.Size;
        span[offset++] = (byte)command.Operation;
        offset = WriteText(span, offset, origin);
        span[offset++] = checked((byte)command.Key.Length);
        command.Key.CopyTo(span[offset..]);
        return buffer;
    }

    /// <summary>Encodes an answer.</summary>
    public static byte[] Encode(KeyAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var node = Text(answer.Node);
        var error = Text(answer.Error ?? string.Empty);
        var keys = answer.Keys.Count > MaxKeys ? answer.Keys.Take(MaxKeys).ToArray() : answer.Keys;
        var length = 1 + MessageId.Size + 1 + 2 + node.Length + 2 + error.Length + 1 + keys.Sum(k => 1 + k.Length);
        var buffer = new byte[length];
        var span = buffer.AsSpan();
        span[0] = AnswerKind;
        answer.Id.WriteTo(span[1..]);
        var offset = 1 + MessageId.Size;
        span[offset++] = (byte)answer.Operation;
        offset = WriteText(span, offset, node);
        offset = WriteText(span, offset, error);
        span[offset++] = (byte)keys.Count;
        foreach (var key in keys)
        {
            span[offset++] = checked((byte)key.Length);
            key.CopyTo(span[offset..]);
            offset += key.Length;
        }

        return buffer;
    }

    /// <summary>Decodes a body: a <see cref="KeyCommand"/> or a <see cref="KeyAnswer"/>.</summary>
    /// <exception cref="WireDecodeException">Not a valid body.</exception>
    public static object Decode(ReadOnlySpan<byte> body)
    {
        var reader = new Reader(body);
        var kind = reader.Byte();
        if (kind is not CommandKind and not AnswerKind)
        {
            throw Bad($"unknown kind {kind}");
        }

        var id = reader.Id();
        var op = reader.Byte();
        if (op > (byte)KeyOperation.Remove)
        {
            throw Bad($"unknown operation {op}");
        }

        var name = reader.Text();
        if (name.Length == 0)
        {
            throw Bad("empty node name");
        }

        if (kind == CommandKind)
        {
            var key = reader.Bytes(reader.Byte());
            if ((KeyOperation)op == KeyOperation.List ? key.Length != 0 : !Wire.Memberlist.Keyring.IsValidKeyLength(key.Length))
            {
                throw Bad($"a {(KeyOperation)op} command with a {key.Length}-byte key");
            }

            reader.End();
            return new KeyCommand(id, (KeyOperation)op, name, key);
        }

        var error = reader.Text();
        var count = reader.Byte();
        var keys = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            keys[i] = reader.Bytes(reader.Byte());
        }

        reader.End();
        return new KeyAnswer(id, (KeyOperation)op, name, error.Length == 0 ? null : error, keys);
    }

    private static byte[] Text(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= MaxText ? bytes : bytes[..MaxText];
    }

    private static int WriteText(Span<byte> span, int offset, byte[] text)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], (ushort)text.Length);
        text.CopyTo(span[(offset + 2)..]);
        return offset + 2 + text.Length;
    }

    private static WireDecodeException Bad(string what) =>
        new(Layer, PlumtreeFrameCodec.Reasons.BadBody, $"Invalid Keys frame body: {what}.");

    private ref struct Reader(ReadOnlySpan<byte> span)
    {
        private ReadOnlySpan<byte> _rest = span;

        public byte Byte()
        {
            Need(1);
            var value = _rest[0];
            _rest = _rest[1..];
            return value;
        }

        public MessageId Id()
        {
            Need(MessageId.Size);
            var id = MessageId.Read(_rest);
            _rest = _rest[MessageId.Size..];
            return id;
        }

        public string Text()
        {
            Need(2);
            var length = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            _rest = _rest[2..];
            if (length > MaxText)
            {
                throw Bad($"a {length}-byte text");
            }

            return Encoding.UTF8.GetString(Bytes(length));
        }

        public byte[] Bytes(int length)
        {
            Need(length);
            var bytes = _rest[..length].ToArray();
            _rest = _rest[length..];
            return bytes;
        }

        public readonly void End()
        {
            if (!_rest.IsEmpty)
            {
                throw Bad($"{_rest.Length} trailing bytes");
            }
        }

        private readonly void Need(int count)
        {
            if (_rest.Length < count)
            {
                throw new WireDecodeException(Layer, PlumtreeFrameCodec.Reasons.Truncated, "A Keys frame body ends early.");
            }
        }
    }
}
