using System.Buffers;
using MessagePack;

namespace Plumtree.Wire.Memberlist.Serf;

/// <summary>
/// Serf's leave intent, join intent and user event messages: <c>[serf type]</c> + msgpack map (go-msgpack
/// rules, keys sorted), carried as the payload of a memberlist user message.
/// </summary>
internal static class SerfCodec
{
    /// <summary>Encodes a serf message (type byte included).</summary>
    public static byte[] Encode(SerfMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var output = new ArrayBufferWriter<byte>(64);
        var writer = GoMsgpack.CreateWriter(output);
        writer.GetSpan(1)[0] = (byte)message.Type;
        writer.Advance(1);
        switch (message)
        {
            case SerfLeaveIntent leave:
                writer.WriteMapHeader(3);
                writer.WriteString("LTime"u8);
                writer.Write(leave.LTime);
                writer.WriteString("Node"u8);
                writer.Write(leave.Node);
                writer.WriteString("Prune"u8);
                writer.Write(leave.Prune);
                break;
            case SerfJoinIntent join:
                writer.WriteMapHeader(2);
                writer.WriteString("LTime"u8);
                writer.Write(join.LTime);
                writer.WriteString("Node"u8);
                writer.Write(join.Node);
                break;
            case SerfUserEvent userEvent:
                writer.WriteMapHeader(4);
                writer.WriteString("CC"u8);
                writer.Write(userEvent.CC);
                writer.WriteString("LTime"u8);
                writer.Write(userEvent.LTime);
                writer.WriteString("Name"u8);
                writer.Write(userEvent.Name);
                writer.WriteString("Payload"u8);
                GoMsgpack.WriteBytes(ref writer, userEvent.Payload);
                break;
            default:
                throw new ArgumentException($"Unsupported serf message {message.GetType().Name}.", nameof(message));
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a serf leave intent, join intent or user event (type byte included).</summary>
    /// <exception cref="WireDecodeException">Empty, another serf type, or a malformed body.</exception>
    public static SerfMessage Decode(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new WireDecodeException("memberlist", "truncated", "Serf message has no type byte.");
        }

        var type = (SerfMessageType)bytes.Span[0];
        var reader = new MessagePackReader(bytes[1..]);
        try
        {
            return type switch
            {
                SerfMessageType.Leave => ReadLeave(ref reader),
                SerfMessageType.Join => ReadJoin(ref reader),
                SerfMessageType.UserEvent => ReadUserEvent(ref reader),
                _ => throw new WireDecodeException("memberlist", "unsupported_type", $"Serf message type {(byte)type} is not decoded here."),
            };
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e))
        {
            throw GoMsgpack.Wrap(e, $"serf {type}");
        }
    }

    private static SerfLeaveIntent ReadLeave(ref MessagePackReader reader)
    {
        ulong lTime = 0;
        var node = "";
        var prune = false;
        var count = GoMsgpack.ReadStructHeader(ref reader, "messageLeave");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("LTime"u8)) lTime = GoMsgpack.ReadUInt64(ref reader, "LTime");
            else if (key.SequenceEqual("Node"u8)) node = GoMsgpack.ReadString(ref reader, "Node");
            else if (key.SequenceEqual("Prune"u8)) prune = GoMsgpack.ReadBool(ref reader, "Prune");
            else GoMsgpack.Skip(ref reader);
        }

        return new SerfLeaveIntent(lTime, node, prune);
    }

    private static SerfJoinIntent ReadJoin(ref MessagePackReader reader)
    {
        ulong lTime = 0;
        var node = "";
        var count = GoMsgpack.ReadStructHeader(ref reader, "messageJoin");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("LTime"u8)) lTime = GoMsgpack.ReadUInt64(ref reader, "LTime");
            else if (key.SequenceEqual("Node"u8)) node = GoMsgpack.ReadString(ref reader, "Node");
            else GoMsgpack.Skip(ref reader);
        }

        return new SerfJoinIntent(lTime, node);
    }

    private static SerfUserEvent ReadUserEvent(ref MessagePackReader reader)
    {
        ulong lTime = 0;
        var name = "";
        byte[]? payload = null;
        var cc = false;
        var count = GoMsgpack.ReadStructHeader(ref reader, "messageUserEvent");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("LTime"u8)) lTime = GoMsgpack.ReadUInt64(ref reader, "LTime");
            else if (key.SequenceEqual("Name"u8)) name = GoMsgpack.ReadString(ref reader, "Name");
            else if (key.SequenceEqual("Payload"u8)) payload = GoMsgpack.ReadBytes(ref reader, "Payload");
            else if (key.SequenceEqual("CC"u8)) cc = GoMsgpack.ReadBool(ref reader, "CC");
            else GoMsgpack.Skip(ref reader);
        }

        return new SerfUserEvent(lTime, name, payload, cc);
    }
}
