using MessagePack;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Lenient decoding of memberlist message bodies, as Go's decoder does it: any key order, unknown keys
/// skipped, missing keys left at their zero value, any integer width that fits.
/// </summary>
internal static partial class MessageBodyCodec
{
    /// <summary>Reads a <c>ping</c> body.</summary>
    public static Ping ReadPing(ref MessagePackReader reader)
    {
        uint seqNo = 0;
        string node = "", sourceNode = "";
        byte[]? sourceAddr = null;
        ushort sourcePort = 0;
        var count = GoMsgpack.ReadStructHeader(ref reader, "ping");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("SeqNo"u8)) seqNo = GoMsgpack.ReadUInt32(ref reader, "SeqNo");
            else if (key.SequenceEqual("Node"u8)) node = GoMsgpack.ReadString(ref reader, "Node");
            else if (key.SequenceEqual("SourceAddr"u8)) sourceAddr = GoMsgpack.ReadBytes(ref reader, "SourceAddr");
            else if (key.SequenceEqual("SourcePort"u8)) sourcePort = GoMsgpack.ReadUInt16(ref reader, "SourcePort");
            else if (key.SequenceEqual("SourceNode"u8)) sourceNode = GoMsgpack.ReadString(ref reader, "SourceNode");
            else GoMsgpack.Skip(ref reader);
        }

        return new Ping(seqNo, node, sourceAddr, sourcePort, sourceNode);
    }

    /// <summary>Reads an <c>indirectPingReq</c> body.</summary>
    public static IndirectPing ReadIndirectPing(ref MessagePackReader reader)
    {
        uint seqNo = 0;
        string node = "", sourceNode = "";
        byte[]? target = null, sourceAddr = null;
        ushort port = 0, sourcePort = 0;
        var nack = false;
        var count = GoMsgpack.ReadStructHeader(ref reader, "indirectPingReq");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("SeqNo"u8)) seqNo = GoMsgpack.ReadUInt32(ref reader, "SeqNo");
            else if (key.SequenceEqual("Target"u8)) target = GoMsgpack.ReadBytes(ref reader, "Target");
            else if (key.SequenceEqual("Port"u8)) port = GoMsgpack.ReadUInt16(ref reader, "Port");
            else if (key.SequenceEqual("Node"u8)) node = GoMsgpack.ReadString(ref reader, "Node");
            else if (key.SequenceEqual("Nack"u8)) nack = GoMsgpack.ReadBool(ref reader, "Nack");
            else if (key.SequenceEqual("SourceAddr"u8)) sourceAddr = GoMsgpack.ReadBytes(ref reader, "SourceAddr");
            else if (key.SequenceEqual("SourcePort"u8)) sourcePort = GoMsgpack.ReadUInt16(ref reader, "SourcePort");
            else if (key.SequenceEqual("SourceNode"u8)) sourceNode = GoMsgpack.ReadString(ref reader, "SourceNode");
            else GoMsgpack.Skip(ref reader);
        }

        return new IndirectPing(seqNo, target, port, node, nack, sourceAddr, sourcePort, sourceNode);
    }

    /// <summary>Reads an <c>ackResp</c> body.</summary>
    public static Ack ReadAck(ref MessagePackReader reader)
    {
        uint seqNo = 0;
        byte[]? payload = null;
        var count = GoMsgpack.ReadStructHeader(ref reader, "ackResp");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("SeqNo"u8)) seqNo = GoMsgpack.ReadUInt32(ref reader, "SeqNo");
            else if (key.SequenceEqual("Payload"u8)) payload = GoMsgpack.ReadBytes(ref reader, "Payload");
            else GoMsgpack.Skip(ref reader);
        }

        return new Ack(seqNo, payload);
    }

    /// <summary>Reads a <c>nackResp</c> body.</summary>
    public static Nack ReadNack(ref MessagePackReader reader)
    {
        uint seqNo = 0;
        var count = GoMsgpack.ReadStructHeader(ref reader, "nackResp");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("SeqNo"u8)) seqNo = GoMsgpack.ReadUInt32(ref reader, "SeqNo");
            else GoMsgpack.Skip(ref reader);
        }

        return new Nack(seqNo);
    }

    /// <summary>Reads an <c>errResp</c> body.</summary>
    public static ErrorResponse ReadErrorResponse(ref MessagePackReader reader)
    {
        var error = "";
        var count = GoMsgpack.ReadStructHeader(ref reader, "errResp");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("Error"u8)) error = GoMsgpack.ReadString(ref reader, "Error");
            else GoMsgpack.Skip(ref reader);
        }

        return new ErrorResponse(error);
    }

    /// <summary>Reads a <c>suspect</c> body.</summary>
    public static Suspect ReadSuspect(ref MessagePackReader reader)
    {
        var (incarnation, node, from) = ReadIncarnationNodeFrom(ref reader, "suspect");
        return new Suspect(incarnation, node, from);
    }

    /// <summary>Reads a <c>dead</c> body.</summary>
    public static Dead ReadDead(ref MessagePackReader reader)
    {
        var (incarnation, node, from) = ReadIncarnationNodeFrom(ref reader, "dead");
        return new Dead(incarnation, node, from);
    }

    /// <summary>Reads an <c>alive</c> body.</summary>
    public static Alive ReadAlive(ref MessagePackReader reader)
    {
        uint incarnation = 0;
        var node = "";
        byte[]? addr = null, meta = null;
        ushort port = 0;
        ProtocolVersions? vsn = null;
        var count = GoMsgpack.ReadStructHeader(ref reader, "alive");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("Incarnation"u8)) incarnation = GoMsgpack.ReadUInt32(ref reader, "Incarnation");
            else if (key.SequenceEqual("Node"u8)) node = GoMsgpack.ReadString(ref reader, "Node");
            else if (key.SequenceEqual("Addr"u8)) addr = GoMsgpack.ReadBytes(ref reader, "Addr");
            else if (key.SequenceEqual("Port"u8)) port = GoMsgpack.ReadUInt16(ref reader, "Port");
            else if (key.SequenceEqual("Meta"u8)) meta = GoMsgpack.ReadBytes(ref reader, "Meta");
            else if (key.SequenceEqual("Vsn"u8)) vsn = GoMsgpack.ReadVsn(ref reader);
            else GoMsgpack.Skip(ref reader);
        }

        return new Alive(incarnation, node, addr, port, meta, vsn);
    }

    /// <summary>Reads a <c>pushPullHeader</c>. Negative counts are refused.</summary>
    public static PushPullHeader ReadPushPullHeader(ref MessagePackReader reader)
    {
        int nodes = 0, userStateLen = 0;
        var join = false;
        var count = GoMsgpack.ReadStructHeader(ref reader, "pushPullHeader");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("Nodes"u8)) nodes = (int)GoMsgpack.ReadSigned(ref reader, 0, int.MaxValue, "Nodes");
            else if (key.SequenceEqual("UserStateLen"u8)) userStateLen = (int)GoMsgpack.ReadSigned(ref reader, 0, int.MaxValue, "UserStateLen");
            else if (key.SequenceEqual("Join"u8)) join = GoMsgpack.ReadBool(ref reader, "Join");
            else GoMsgpack.Skip(ref reader);
        }

        return new PushPullHeader(nodes, userStateLen, join);
    }

    /// <summary>Reads a <c>pushNodeState</c>.</summary>
    public static PushNodeState ReadPushNodeState(ref MessagePackReader reader)
    {
        var name = "";
        byte[]? addr = null, meta = null;
        ushort port = 0;
        uint incarnation = 0;
        var state = 0;
        ProtocolVersions? vsn = null;
        var count = GoMsgpack.ReadStructHeader(ref reader, "pushNodeState");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("Name"u8)) name = GoMsgpack.ReadString(ref reader, "Name");
            else if (key.SequenceEqual("Addr"u8)) addr = GoMsgpack.ReadBytes(ref reader, "Addr");
            else if (key.SequenceEqual("Port"u8)) port = GoMsgpack.ReadUInt16(ref reader, "Port");
            else if (key.SequenceEqual("Meta"u8)) meta = GoMsgpack.ReadBytes(ref reader, "Meta");
            else if (key.SequenceEqual("Incarnation"u8)) incarnation = GoMsgpack.ReadUInt32(ref reader, "Incarnation");
            else if (key.SequenceEqual("State"u8)) state = GoMsgpack.ReadInt32(ref reader, "State");
            else if (key.SequenceEqual("Vsn"u8)) vsn = GoMsgpack.ReadVsn(ref reader);
            else GoMsgpack.Skip(ref reader);
        }

        return new PushNodeState(name, addr, port, meta, incarnation, (NodeStateKind)state, vsn);
    }

    /// <summary>Reads a <c>userMsgHeader</c>. A negative length is refused.</summary>
    public static UserMessageHeader ReadUserMessageHeader(ref MessagePackReader reader)
    {
        var length = 0;
        var count = GoMsgpack.ReadStructHeader(ref reader, "userMsgHeader");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("UserMsgLen"u8)) length = (int)GoMsgpack.ReadSigned(ref reader, 0, int.MaxValue, "UserMsgLen");
            else GoMsgpack.Skip(ref reader);
        }

        return new UserMessageHeader(length);
    }

    /// <summary>Reads a <c>compress</c> body.</summary>
    public static Compress ReadCompress(ref MessagePackReader reader)
    {
        byte algo = 0;
        byte[]? buf = null;
        var count = GoMsgpack.ReadStructHeader(ref reader, "compress");
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("Algo"u8)) algo = GoMsgpack.ReadUInt8(ref reader, "Algo");
            else if (key.SequenceEqual("Buf"u8)) buf = GoMsgpack.ReadBytes(ref reader, "Buf");
            else GoMsgpack.Skip(ref reader);
        }

        return new Compress(algo, buf);
    }

    private static (uint Incarnation, string Node, string From) ReadIncarnationNodeFrom(ref MessagePackReader reader, string structName)
    {
        uint incarnation = 0;
        string node = "", from = "";
        var count = GoMsgpack.ReadStructHeader(ref reader, structName);
        for (var i = 0; i < count; i++)
        {
            var key = GoMsgpack.ReadKey(ref reader);
            if (key.SequenceEqual("Incarnation"u8)) incarnation = GoMsgpack.ReadUInt32(ref reader, "Incarnation");
            else if (key.SequenceEqual("Node"u8)) node = GoMsgpack.ReadString(ref reader, "Node");
            else if (key.SequenceEqual("From"u8)) from = GoMsgpack.ReadString(ref reader, "From");
            else GoMsgpack.Skip(ref reader);
        }

        return (incarnation, node, from);
    }
}
