using CsCheck;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>CsCheck generators for memberlist records.</summary>
internal static class MemberlistGen
{
    // BMP without surrogates: multi-byte UTF-8 round-trips exactly; up to 120 chars reaches str16.
    public static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.Char['a', 'z'].Array[0, 12].Select(c => new string(c))),
        (1, Gen.Char[' ', '\uD7FF'].Array[0, 120].Select(c => new string(c))));

    public static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (4, Gen.Byte.Array[0, 40]),
        (1, Gen.Byte.Array[0, 600]));

    public static readonly Gen<byte[]?> OptionalBytes = Gen.Frequency(
        (1, Gen.Const((byte[]?)null)),
        (4, Bytes.Select(b => (byte[]?)b)));

    public static readonly Gen<byte[]> Address = Gen.OneOf(Gen.Byte.Array[4], Gen.Byte.Array[16]);

    public static readonly Gen<byte[]?> OptionalAddress = Gen.Frequency(
        (1, Gen.Const((byte[]?)null)),
        (4, Address.Select(a => (byte[]?)a)));

    public static readonly Gen<ProtocolVersions?> Vsn = Gen.Frequency(
        (1, Gen.Const((ProtocolVersions?)null)),
        (4, Gen.Byte.Array[6].Select(b => (ProtocolVersions?)ProtocolVersions.Read(b))));

    public static readonly Gen<Ping> Ping =
        Gen.Select(Gen.UInt, Text, OptionalAddress, Gen.UShort, Text, (seq, node, addr, port, source) => new Ping(seq, node, addr, port, source));

    public static readonly Gen<IndirectPing> IndirectPing =
        Gen.Select(Gen.UInt, OptionalAddress, Gen.UShort, Text, Gen.Bool, OptionalAddress, Gen.UShort, Text,
            (seq, target, port, node, nack, addr, sourcePort, source) => new IndirectPing(seq, target, port, node, nack, addr, sourcePort, source));

    public static readonly Gen<Ack> Ack = Gen.Select(Gen.UInt, OptionalBytes, (seq, payload) => new Ack(seq, payload));

    public static readonly Gen<Nack> Nack = Gen.UInt.Select(seq => new Nack(seq));

    public static readonly Gen<Suspect> Suspect = Gen.Select(Gen.UInt, Text, Text, (inc, node, from) => new Suspect(inc, node, from));

    public static readonly Gen<Dead> Dead = Gen.Select(Gen.UInt, Text, Text, (inc, node, from) => new Dead(inc, node, from));

    public static readonly Gen<Alive> Alive =
        Gen.Select(Gen.UInt, Text, OptionalAddress, Gen.UShort, OptionalBytes, Vsn,
            (inc, node, addr, port, meta, vsn) => new Alive(inc, node, addr, port, meta, vsn));

    public static readonly Gen<UserMessage> User = Bytes.Select(b => new UserMessage(b));

    public static readonly Gen<ErrorResponse> Error = Text.Select(e => new ErrorResponse(e));

    public static readonly Gen<PushNodeState> NodeState =
        Gen.Select(Text, OptionalAddress, Gen.UShort, OptionalBytes, Gen.UInt, Gen.Int[0, 3], Vsn,
            (name, addr, port, meta, inc, state, vsn) => new PushNodeState(name, addr, port, meta, inc, (NodeStateKind)state, vsn));

    public static readonly Gen<PushPull> PushPull =
        Gen.Select(Gen.Bool, NodeState.Array[0, 20], Bytes, (join, nodes, state) => new PushPull(join, nodes, state));

    /// <summary>Every message that can travel in a UDP packet.</summary>
    public static readonly Gen<MemberlistMessage> PacketMessage = Gen.OneOf<MemberlistMessage>(
        Ping.Select(m => (MemberlistMessage)m),
        IndirectPing.Select(m => (MemberlistMessage)m),
        Ack.Select(m => (MemberlistMessage)m),
        Nack.Select(m => (MemberlistMessage)m),
        Suspect.Select(m => (MemberlistMessage)m),
        Alive.Select(m => (MemberlistMessage)m),
        Dead.Select(m => (MemberlistMessage)m),
        User.Select(m => (MemberlistMessage)m));

    /// <summary>Every message that can travel on a TCP stream.</summary>
    public static readonly Gen<MemberlistMessage> StreamMessage = Gen.OneOf<MemberlistMessage>(
        Ping.Select(m => (MemberlistMessage)m),
        Ack.Select(m => (MemberlistMessage)m),
        Error.Select(m => (MemberlistMessage)m),
        User.Select(m => (MemberlistMessage)m),
        PushPull.Select(m => (MemberlistMessage)m));
}
