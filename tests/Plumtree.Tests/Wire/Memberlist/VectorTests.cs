using System.Text;
using Plumtree.Wire.Memberlist;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>Every vector made by the real Go codec decodes to the expected fields and re-encodes to the same bytes.</summary>
public sealed class VectorTests
{
    private static readonly byte[] Loopback1 = [127, 0, 0, 1];
    private static readonly byte[] Loopback2 = [127, 0, 0, 2];
    private static readonly ProtocolVersions PlainVsn = new(1, 5, 2, 0, 0, 0);

    private static readonly string[] VectorNames =
    [
        "ping", "ping_minimal", "indirect_ping", "ack_nil_payload", "ack_payload", "nack", "err", "suspect",
        "alive", "alive_serf_meta", "dead", "user_packet", "compound_ping_suspect", "crc_wrapped_ack",
        "lzw_raw_of_alive", "compress_alive", "pushpull_stream", "user_stream", "key_aes128", "nonce_fixed",
        "udp_encrypted_v1_ping", "udp_encrypted_v0_ping", "tcp_encrypted_pushpull", "serf_tags_meta",
        "serf_join_intent", "serf_leave_intent", "serf_user_event",
    ];

    public static TheoryData<string> Names => new(VectorNames);

    private static Ping ExpectedPing => new(7, "b", Loopback1, 7946, "a");

    private static Alive ExpectedAlive => new(1, "a", Loopback1, 7946, null, PlainVsn);

    private static PushPull ExpectedPushPull =>
        new(true, [new PushNodeState("a", Loopback1, 7946, null, 1, NodeStateKind.Alive, PlainVsn)], "abc"u8.ToArray());

    private static Keyring Key => new(MemberlistVectors.Get("key_aes128"));

    private static FixedNonceSource Nonce => new(MemberlistVectors.Get("nonce_fixed"));

    [Fact]
    public void Every_vector_in_the_file_has_a_test_case()
    {
        var missing = MemberlistVectors.Bytes.Keys.Except(VectorNames, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"Vectors without expectations: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Vector_decodes_to_the_expected_fields_and_reencodes_identically(string name)
    {
        var bytes = MemberlistVectors.Get(name);
        switch (name)
        {
            case "ping":
                AssertSinglePacketMessage(bytes, ExpectedPing);
                Assert.Equal(7946, ((Ping)Single(bytes)).SourcePort);
                break;
            case "ping_minimal":
                var minimal = Assert.IsType<Ping>(Single(bytes));
                Assert.Equal(1u, minimal.SeqNo);
                Assert.Equal("b", minimal.Node);
                Assert.Null(minimal.SourceAddr);
                Assert.Equal(0, minimal.SourcePort);
                Assert.Equal("", minimal.SourceNode);
                Assert.Equal(bytes, MessageCodec.Encode(new Ping(1, "b")));
                break;
            case "indirect_ping":
                var indirect = Assert.IsType<IndirectPing>(Single(bytes));
                Assert.Equal(9u, indirect.SeqNo);
                Assert.Equal(Loopback2, indirect.Target);
                Assert.Equal(7947, indirect.Port);
                Assert.Equal("c", indirect.Node);
                Assert.True(indirect.Nack);
                Assert.Equal(Loopback1, indirect.SourceAddr);
                Assert.Equal(7946, indirect.SourcePort);
                Assert.Equal("a", indirect.SourceNode);
                AssertSinglePacketMessage(bytes, new IndirectPing(9, Loopback2, 7947, "c", true, Loopback1, 7946, "a"));
                break;
            case "ack_nil_payload":
                var ackNil = Assert.IsType<Ack>(Single(bytes));
                Assert.Equal(7u, ackNil.SeqNo);
                Assert.Null(ackNil.Payload);
                AssertSinglePacketMessage(bytes, new Ack(7, null));
                break;
            case "ack_payload":
                var ack = Assert.IsType<Ack>(Single(bytes));
                Assert.Equal(7u, ack.SeqNo);
                Assert.Equal(new byte[] { 1, 2, 3 }, ack.Payload);
                AssertSinglePacketMessage(bytes, new Ack(7, [1, 2, 3]));
                break;
            case "nack":
                Assert.Equal(9u, Assert.IsType<Nack>(Single(bytes)).SeqNo);
                AssertSinglePacketMessage(bytes, new Nack(9));
                break;
            case "err":
                var error = Assert.IsType<ErrorResponse>(StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions()));
                Assert.Equal("boom", error.Error);
                Assert.Equal(bytes, MessageCodec.Encode(new ErrorResponse("boom"), MemberlistChannel.Stream));
                break;
            case "suspect":
                var suspect = Assert.IsType<Suspect>(Single(bytes));
                Assert.Equal((3u, "b", "a"), (suspect.Incarnation, suspect.Node, suspect.From));
                AssertSinglePacketMessage(bytes, new Suspect(3, "b", "a"));
                break;
            case "alive":
                var alive = Assert.IsType<Alive>(Single(bytes));
                Assert.Equal(1u, alive.Incarnation);
                Assert.Equal("a", alive.Node);
                Assert.Equal(Loopback1, alive.Addr);
                Assert.Equal(7946, alive.Port);
                Assert.Null(alive.Meta);
                Assert.Equal(PlainVsn, alive.Vsn);
                AssertSinglePacketMessage(bytes, ExpectedAlive);
                break;
            case "alive_serf_meta":
                var serfAlive = Assert.IsType<Alive>(Single(bytes));
                Assert.Equal(new ProtocolVersions(1, 5, 2, 2, 5, 4), serfAlive.Vsn);
                Assert.Equal(new Dictionary<string, string> { ["role"] = "web" }, SerfTags.Decode(serfAlive.Meta));
                AssertSinglePacketMessage(bytes, ExpectedAlive with { Meta = SerfTags.Encode(new Dictionary<string, string> { ["role"] = "web" }), Vsn = ProtocolVersions.Serf });
                break;
            case "dead":
                var dead = Assert.IsType<Dead>(Single(bytes));
                Assert.Equal((2u, "a", "a"), (dead.Incarnation, dead.Node, dead.From));
                Assert.True(dead.IsLeave);
                AssertSinglePacketMessage(bytes, new Dead(2, "a", "a"));
                break;
            case "user_packet":
                Assert.Equal("hello"u8.ToArray(), Assert.IsType<UserMessage>(Single(bytes)).Payload);
                AssertSinglePacketMessage(bytes, new UserMessage("hello"u8.ToArray()));
                break;
            case "compound_ping_suspect":
                var compound = PacketCodec.Decode(bytes);
                Assert.Equal(new MemberlistMessage[] { ExpectedPing, new Suspect(3, "b", "a") }, compound.Messages);
                Assert.Equal(0, compound.TruncatedParts);
                Assert.Empty(compound.PartErrors);
                Assert.Equal(bytes, Assert.Single(PacketCodec.EncodeMessages([ExpectedPing, new Suspect(3, "b", "a")])));
                break;
            case "crc_wrapped_ack":
                var crc = PacketCodec.Decode(bytes);
                Assert.True(crc.HadCrc);
                Assert.Equal(new Ack(7, null), Assert.Single(crc.Messages));
                Assert.Equal(bytes, CrcWrapper.Wrap(MessageCodec.Encode(new Ack(7, null))));
                Assert.Equal(bytes, PacketCodec.EncodeDatagram(MessageCodec.Encode(new Ack(7, null)), new PacketEncodeOptions { Crc = true }));
                break;
            case "lzw_raw_of_alive":
                Assert.Equal(MemberlistVectors.Get("alive"), GoLzw.Decompress(bytes));
                Assert.Equal(bytes, GoLzw.Compress(MemberlistVectors.Get("alive")));
                break;
            case "compress_alive":
                var compressed = PacketCodec.Decode(bytes);
                Assert.Equal(ExpectedAlive, Assert.Single(compressed.Messages));
                var compress = Assert.IsType<Compress>(MessageCodec.DecodeBody(MessageType.Compress, bytes.AsMemory(1)));
                Assert.Equal(Compress.Lzw, compress.Algo);
                Assert.Equal(MemberlistVectors.Get("lzw_raw_of_alive"), compress.Buf);
                Assert.Equal(bytes, CompressionWrapper.Wrap(MemberlistVectors.Get("alive")));
                // 67 compressed bytes vs 58 plain: the packet send path keeps the smaller, uncompressed form.
                Assert.Equal(MemberlistVectors.Get("alive"), PacketCodec.EncodeDatagram(MemberlistVectors.Get("alive"), new PacketEncodeOptions { Compress = true }));
                break;
            case "pushpull_stream":
                var pushPull = Assert.IsType<PushPull>(StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions()));
                Assert.True(pushPull.Join);
                var node = Assert.Single(pushPull.Nodes);
                Assert.Equal("a", node.Name);
                Assert.Equal(Loopback1, node.Addr);
                Assert.Equal(7946, node.Port);
                Assert.Null(node.Meta);
                Assert.Equal(1u, node.Incarnation);
                Assert.Equal(NodeStateKind.Alive, node.State);
                Assert.Equal(PlainVsn, node.Vsn);
                Assert.Equal("abc"u8.ToArray(), pushPull.UserState);
                Assert.Equal(new PushPullHeader(1, 3, true), pushPull.Header);
                Assert.Equal(bytes, MessageCodec.Encode(ExpectedPushPull, MemberlistChannel.Stream));
                Assert.Equal(bytes, StreamCodec.Encode(ExpectedPushPull, new StreamEncodeOptions()));
                break;
            case "user_stream":
                var user = Assert.IsType<UserMessage>(StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions()));
                Assert.Equal("hello"u8.ToArray(), user.Payload);
                Assert.Equal(bytes, MessageCodec.Encode(new UserMessage("hello"u8.ToArray()), MemberlistChannel.Stream));
                break;
            case "key_aes128":
                Assert.Equal("0123456789abcdef", Encoding.ASCII.GetString(bytes));
                Assert.Equal(bytes, Key.PrimaryKey);
                break;
            case "nonce_fixed":
                Assert.Equal(MemberlistEncryption.NonceSize, bytes.Length);
                Assert.All(bytes, b => Assert.Equal(0x42, b));
                break;
            case "udp_encrypted_v1_ping":
            case "udp_encrypted_v0_ping":
                var version = name.Contains("v1", StringComparison.Ordinal) ? (byte)1 : (byte)0;
                Assert.Equal(version, bytes[0]);
                Assert.Equal(MemberlistVectors.Get("ping"), MemberlistEncryption.DecryptPacket(Key, bytes, []));
                var datagram = PacketCodec.DecodeDatagram(bytes, new PacketDecodeOptions { Keyring = Key });
                Assert.Equal(ExpectedPing, Assert.Single(datagram.Messages));
                Assert.Equal(bytes, MemberlistEncryption.EncryptPacket(Key.PrimaryKey, version, MemberlistVectors.Get("ping"), [], Nonce));
                Assert.Equal(bytes, PacketCodec.EncodeDatagram(MemberlistVectors.Get("ping"), new PacketEncodeOptions { Keyring = Key, EncryptionVersion = version, NonceSource = Nonce }));
                break;
            case "tcp_encrypted_pushpull":
                var encrypted = StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions { Keyring = Key });
                Assert.Equal(ExpectedPushPull, encrypted);
                Assert.Equal(bytes, StreamCodec.Encode(ExpectedPushPull, new StreamEncodeOptions { Keyring = Key, NonceSource = Nonce }));
                break;
            case "serf_tags_meta":
                Assert.Equal(new Dictionary<string, string> { ["role"] = "web" }, SerfTags.Decode(bytes));
                Assert.Equal(bytes, SerfTags.Encode(new Dictionary<string, string> { ["role"] = "web" }));
                break;
            case "serf_join_intent":
                Assert.Equal(new SerfJoinIntent(5, "a"), SerfCodec.Decode(bytes));
                Assert.Equal(bytes, SerfCodec.Encode(new SerfJoinIntent(5, "a")));
                break;
            case "serf_leave_intent":
                Assert.Equal(new SerfLeaveIntent(6, "a", false), SerfCodec.Decode(bytes));
                Assert.Equal(bytes, SerfCodec.Encode(new SerfLeaveIntent(6, "a", false)));
                break;
            case "serf_user_event":
                var userEvent = Assert.IsType<SerfUserEvent>(SerfCodec.Decode(bytes));
                Assert.Equal((2ul, "deploy", false), (userEvent.LTime, userEvent.Name, userEvent.CC));
                Assert.Equal("v1"u8.ToArray(), userEvent.Payload);
                Assert.Equal(bytes, SerfCodec.Encode(new SerfUserEvent(2, "deploy", "v1"u8.ToArray(), false)));
                break;
            default:
                Assert.Fail($"No expectations written for vector {name}.");
                break;
        }
    }

    private static MemberlistMessage Single(byte[] packet)
    {
        var decoded = PacketCodec.Decode(packet);
        Assert.Empty(decoded.PartErrors);
        Assert.False(decoded.HadCrc);
        return Assert.Single(decoded.Messages);
    }

    private static void AssertSinglePacketMessage(byte[] bytes, MemberlistMessage expected)
    {
        Assert.Equal(expected, Single(bytes));
        Assert.Equal(bytes, MessageCodec.Encode(expected));
        Assert.Equal(bytes, Assert.Single(PacketCodec.EncodeMessages([expected])));
    }
}
