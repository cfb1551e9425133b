using MessagePack;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The msgpack bodies of memberlist messages, written exactly as go-msgpack writes Go's structs: a map whose
/// keys are the Go field names in byte-wise sorted order, <c>omitempty</c> fields left out when empty.
/// </summary>
internal static partial class MessageBodyCodec
{
    /// <summary>Writes a <c>ping</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Ping ping)
    {
        var hasAddr = ping.SourceAddr is { Length: > 0 };
        var hasNode = ping.SourceNode.Length > 0;
        var hasPort = ping.SourcePort != 0;
        writer.WriteMapHeader(2 + (hasAddr ? 1 : 0) + (hasNode ? 1 : 0) + (hasPort ? 1 : 0));
        writer.WriteString("Node"u8);
        writer.Write(ping.Node);
        writer.WriteString("SeqNo"u8);
        writer.Write(ping.SeqNo);
        WriteSource(ref writer, ping.SourceAddr, ping.SourceNode, ping.SourcePort);
    }

    /// <summary>Writes an <c>indirectPingReq</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, IndirectPing ping)
    {
        var hasAddr = ping.SourceAddr is { Length: > 0 };
        var hasNode = ping.SourceNode.Length > 0;
        var hasPort = ping.SourcePort != 0;
        writer.WriteMapHeader(5 + (hasAddr ? 1 : 0) + (hasNode ? 1 : 0) + (hasPort ? 1 : 0));
        writer.WriteString("Nack"u8);
        writer.Write(ping.Nack);
        writer.WriteString("Node"u8);
        writer.Write(ping.Node);
        writer.WriteString("Port"u8);
        writer.Write(ping.Port);
        writer.WriteString("SeqNo"u8);
        writer.Write(ping.SeqNo);
        WriteSource(ref writer, ping.SourceAddr, ping.SourceNode, ping.SourcePort);
        writer.WriteString("Target"u8);
        GoMsgpack.WriteBytes(ref writer, ping.Target);
    }

    /// <summary>Writes an <c>ackResp</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Ack ack)
    {
        writer.WriteMapHeader(2);
        writer.WriteString("Payload"u8);
        GoMsgpack.WriteBytes(ref writer, ack.Payload);
        writer.WriteString("SeqNo"u8);
        writer.Write(ack.SeqNo);
    }

    /// <summary>Writes a <c>nackResp</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Nack nack)
    {
        writer.WriteMapHeader(1);
        writer.WriteString("SeqNo"u8);
        writer.Write(nack.SeqNo);
    }

    /// <summary>Writes an <c>errResp</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, ErrorResponse error)
    {
        writer.WriteMapHeader(1);
        writer.WriteString("Error"u8);
        writer.Write(error.Error);
    }

    /// <summary>Writes a <c>suspect</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Suspect suspect)
    {
        writer.WriteMapHeader(3);
        writer.WriteString("From"u8);
        writer.Write(suspect.From);
        writer.WriteString("Incarnation"u8);
        writer.Write(suspect.Incarnation);
        writer.WriteString("Node"u8);
        writer.Write(suspect.Node);
    }

    /// <summary>Writes an <c>alive</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Alive alive)
    {
        writer.WriteMapHeader(6);
        writer.WriteString("Addr"u8);
        GoMsgpack.WriteBytes(ref writer, alive.Addr);
        writer.WriteString("Incarnation"u8);
        writer.Write(alive.Incarnation);
        writer.WriteString("Meta"u8);
        GoMsgpack.WriteBytes(ref writer, alive.Meta);
        writer.WriteString("Node"u8);
        writer.Write(alive.Node);
        writer.WriteString("Port"u8);
        writer.Write(alive.Port);
        writer.WriteString("Vsn"u8);
        GoMsgpack.WriteVsn(ref writer, alive.Vsn);
    }

    /// <summary>Writes a <c>dead</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Dead dead)
    {
        writer.WriteMapHeader(3);
        writer.WriteString("From"u8);
        writer.Write(dead.From);
        writer.WriteString("Incarnation"u8);
        writer.Write(dead.Incarnation);
        writer.WriteString("Node"u8);
        writer.Write(dead.Node);
    }

    /// <summary>Writes a <c>pushPullHeader</c>.</summary>
    public static void Write(ref MessagePackWriter writer, PushPullHeader header)
    {
        writer.WriteMapHeader(3);
        writer.WriteString("Join"u8);
        writer.Write(header.Join);
        writer.WriteString("Nodes"u8);
        writer.Write(header.Nodes);
        writer.WriteString("UserStateLen"u8);
        writer.Write(header.UserStateLen);
    }

    /// <summary>Writes a <c>pushNodeState</c>.</summary>
    public static void Write(ref MessagePackWriter writer, PushNodeState state)
    {
        writer.WriteMapHeader(7);
        writer.WriteString("Addr"u8);
        GoMsgpack.WriteBytes(ref writer, state.Addr);
        writer.WriteString("Incarnation"u8);
        writer.Write(state.Incarnation);
        writer.WriteString("Meta"u8);
        GoMsgpack.WriteBytes(ref writer, state.Meta);
        writer.WriteString("Name"u8);
        writer.Write(state.Name);
        writer.WriteString("Port"u8);
        writer.Write(state.Port);
        writer.WriteString("State"u8);
        writer.Write((int)state.State);
        writer.WriteString("Vsn"u8);
        GoMsgpack.WriteVsn(ref writer, state.Vsn);
    }

    /// <summary>Writes a <c>userMsgHeader</c>.</summary>
    public static void Write(ref MessagePackWriter writer, UserMessageHeader header)
    {
        writer.WriteMapHeader(1);
        writer.WriteString("UserMsgLen"u8);
        writer.Write(header.UserMsgLen);
    }

    /// <summary>Writes a <c>compress</c> body.</summary>
    public static void Write(ref MessagePackWriter writer, Compress compress) =>
        WriteCompress(ref writer, compress.Algo, compress.Buf, compress.Buf is null);

    /// <summary>Writes a <c>compress</c> body from a span (no intermediate record).</summary>
    public static void WriteCompress(ref MessagePackWriter writer, byte algo, ReadOnlySpan<byte> buf, bool isNil = false)
    {
        writer.WriteMapHeader(2);
        writer.WriteString("Algo"u8);
        writer.Write(algo);
        writer.WriteString("Buf"u8);
        GoMsgpack.WriteBytes(ref writer, buf, isNil);
    }

    // SourceAddr < SourceNode < SourcePort byte-wise; each omitempty.
    private static void WriteSource(ref MessagePackWriter writer, byte[]? sourceAddr, string sourceNode, ushort sourcePort)
    {
        if (sourceAddr is { Length: > 0 })
        {
            writer.WriteString("SourceAddr"u8);
            writer.Write(sourceAddr);
        }

        if (sourceNode.Length > 0)
        {
            writer.WriteString("SourceNode"u8);
            writer.Write(sourceNode);
        }

        if (sourcePort != 0)
        {
            writer.WriteString("SourcePort"u8);
            writer.Write(sourcePort);
        }
    }
}
