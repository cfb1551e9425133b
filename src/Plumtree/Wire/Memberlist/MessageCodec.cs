using System.Buffers;
using MessagePack;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// One memberlist message ⇄ <c>[type byte][body]</c>, with no wrappers (compound, compression, CRC,
/// encryption and labels live in <c>PacketCodec</c> and <c>StreamMessageReader</c>).
/// </summary>
internal static class MessageCodec
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? s_scratch;

    /// <summary>Encodes <paramref name="message"/> (type byte included) into a new array.</summary>
    /// <exception cref="ArgumentException">A push/pull on the packet channel.</exception>
    public static byte[] Encode(MemberlistMessage message, MemberlistChannel channel = MemberlistChannel.Packet)
    {
        var buffer = s_scratch ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        Write(buffer, message, channel);
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 64 * 1024)
        {
            s_scratch = null;
        }

        return bytes;
    }

    /// <summary>Writes <paramref name="message"/> (type byte included) to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">A push/pull on the packet channel.</exception>
    public static void Write(IBufferWriter<byte> output, MemberlistMessage message, MemberlistChannel channel = MemberlistChannel.Packet)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = GoMsgpack.CreateWriter(output);
        writer.GetSpan(1)[0] = (byte)message.Type;
        writer.Advance(1);
        switch (message)
        {
            case Ping m: MessageBodyCodec.Write(ref writer, m); break;
            case IndirectPing m: MessageBodyCodec.Write(ref writer, m); break;
            case Ack m: MessageBodyCodec.Write(ref writer, m); break;
            case Nack m: MessageBodyCodec.Write(ref writer, m); break;
            case Suspect m: MessageBodyCodec.Write(ref writer, m); break;
            case Alive m: MessageBodyCodec.Write(ref writer, m); break;
            case Dead m: MessageBodyCodec.Write(ref writer, m); break;
            case ErrorResponse m: MessageBodyCodec.Write(ref writer, m); break;
            case Compress m: MessageBodyCodec.Write(ref writer, m); break;
            case UserMessage m:
                if (channel == MemberlistChannel.Stream)
                {
                    MessageBodyCodec.Write(ref writer, new UserMessageHeader(m.Payload.Length));
                }

                writer.WriteRaw(m.Payload);
                break;
            case PushPull m:
                if (channel != MemberlistChannel.Stream)
                {
                    throw new ArgumentException("Push/pull travels only on streams.", nameof(channel));
                }

                MessageBodyCodec.Write(ref writer, m.Header);
                foreach (var node in m.Nodes)
                {
                    MessageBodyCodec.Write(ref writer, node);
                }

                writer.WriteRaw(m.UserState);
                break;
            default:
                throw new ArgumentException($"Unsupported message record {message.GetType().Name}.", nameof(message));
        }

        writer.Flush();
    }

    /// <summary>
    /// Decodes one msgpack-bodied message of <paramref name="type"/> from <paramref name="body"/> (the bytes
    /// after the type byte; trailing bytes are ignored, as Go does). Handles ping, indirect ping, ack, nack,
    /// suspect, alive, dead, err and compress.
    /// </summary>
    /// <exception cref="WireDecodeException">Malformed body, or a type without a msgpack body.</exception>
    public static MemberlistMessage DecodeBody(MessageType type, ReadOnlyMemory<byte> body)
    {
        var reader = new MessagePackReader(body);
        try
        {
            return ReadBody(type, ref reader);
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e))
        {
            throw GoMsgpack.Wrap(e, type.ToString());
        }
    }

    /// <summary>Reads one msgpack body of <paramref name="type"/> (see <see cref="DecodeBody"/>); reader exceptions are not wrapped.</summary>
    public static MemberlistMessage ReadBody(MessageType type, ref MessagePackReader reader) => type switch
    {
        MessageType.Ping => MessageBodyCodec.ReadPing(ref reader),
        MessageType.IndirectPing => MessageBodyCodec.ReadIndirectPing(ref reader),
        MessageType.Ack => MessageBodyCodec.ReadAck(ref reader),
        MessageType.Nack => MessageBodyCodec.ReadNack(ref reader),
        MessageType.Suspect => MessageBodyCodec.ReadSuspect(ref reader),
        MessageType.Alive => MessageBodyCodec.ReadAlive(ref reader),
        MessageType.Dead => MessageBodyCodec.ReadDead(ref reader),
        MessageType.Err => MessageBodyCodec.ReadErrorResponse(ref reader),
        MessageType.Compress => MessageBodyCodec.ReadCompress(ref reader),
        _ => throw new WireDecodeException("memberlist", "unknown_type", $"Message type {(byte)type} has no msgpack body here."),
    };
}
