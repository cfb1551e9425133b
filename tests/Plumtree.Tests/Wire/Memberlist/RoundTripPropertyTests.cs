using System.Buffers;
using CsCheck;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>Encode → decode gives the same record, and decode → encode gives the same bytes.</summary>
public sealed class RoundTripPropertyTests
{
    private const long Iterations = 2_000;

    [Fact]
    public void Every_packet_message_round_trips_through_the_packet_codec() =>
        MemberlistGen.PacketMessage.Sample(message =>
        {
            var bytes = MessageCodec.Encode(message);
            Assert.Equal((byte)message.Type, bytes[0]);
            var decoded = Assert.Single(PacketCodec.Decode(bytes).Messages);
            Assert.Equal(message, decoded);
            Assert.Equal(bytes, MessageCodec.Encode(decoded));
        }, iter: Iterations);

    [Fact]
    public void Ping_round_trips() => AssertPacketRoundTrip(MemberlistGen.Ping);

    [Fact]
    public void Indirect_ping_round_trips() => AssertPacketRoundTrip(MemberlistGen.IndirectPing);

    [Fact]
    public void Ack_round_trips() => AssertPacketRoundTrip(MemberlistGen.Ack);

    [Fact]
    public void Nack_round_trips() => AssertPacketRoundTrip(MemberlistGen.Nack);

    [Fact]
    public void Suspect_round_trips() => AssertPacketRoundTrip(MemberlistGen.Suspect);

    [Fact]
    public void Alive_round_trips() => AssertPacketRoundTrip(MemberlistGen.Alive);

    [Fact]
    public void Dead_round_trips() => AssertPacketRoundTrip(MemberlistGen.Dead);

    [Fact]
    public void Udp_user_message_round_trips() => AssertPacketRoundTrip(MemberlistGen.User);

    [Fact]
    public void Error_response_round_trips_on_a_stream() => AssertStreamRoundTrip(MemberlistGen.Error);

    [Fact]
    public void Tcp_user_message_round_trips_on_a_stream() => AssertStreamRoundTrip(MemberlistGen.User);

    [Fact]
    public void Push_pull_round_trips_on_a_stream() => AssertStreamRoundTrip(MemberlistGen.PushPull);

    [Fact]
    public void Compress_record_round_trips() =>
        Gen.Select(Gen.Byte, MemberlistGen.OptionalBytes).Sample((algo, buf) =>
        {
            var record = new Compress(algo, buf);
            var bytes = MessageCodec.Encode(record);
            var decoded = MessageCodec.DecodeBody(MessageType.Compress, bytes.AsMemory(1));
            Assert.Equal(record, decoded);
        }, iter: Iterations);

    [Fact]
    public void Stream_messages_parse_the_same_whatever_the_chunking() =>
        Gen.Select(MemberlistGen.StreamMessage, Gen.Int[1, 64], Gen.Bool).Sample((message, chunk, compress) =>
        {
            var bytes = StreamCodec.Encode(message, new StreamEncodeOptions { Compress = compress });
            var reader = new StreamMessageReader(new StreamReaderOptions());
            var pending = Array.Empty<byte>();
            MemberlistMessage? decoded = null;
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                Assert.Null(decoded);
                var arrived = bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset));
                var buffer = new ReadOnlySequence<byte>([.. pending, .. arrived]);
                reader.TryRead(ref buffer, out decoded);
                pending = buffer.ToArray();
            }

            Assert.Equal(message, decoded);
            Assert.Empty(pending);
        }, iter: 1_000);

    [Fact]
    public void Compounds_of_any_size_carry_every_message_in_order() =>
        MemberlistGen.PacketMessage.Array[0, 600].Sample(messages =>
        {
            var parts = messages.Select(m => (ReadOnlyMemory<byte>)MessageCodec.Encode(m)).ToArray();
            var compounds = CompoundMessage.Build(parts);
            Assert.Equal((messages.Length + 254) / 255, compounds.Count);
            var decoded = compounds.SelectMany(c =>
            {
                var packet = PacketCodec.Decode(c);
                Assert.Equal(0, packet.TruncatedParts);
                Assert.True(c[1] <= 255);
                return packet.Messages;
            }).ToList();
            Assert.Equal(messages, decoded);
        }, iter: 200);

    [Fact]
    public void A_cut_compound_keeps_its_complete_parts_and_counts_the_rest_as_truncated() =>
        MemberlistGen.PacketMessage.Array[1, 20].SelectMany(m => Gen.Int[0, 10_000].Select(cut => (m, cut))).Sample((messages, cutSeed) =>
        {
            var parts = messages.Select(m => MessageCodec.Encode(m)).ToArray();
            var compound = CompoundMessage.BuildOne(parts.Select(p => (ReadOnlyMemory<byte>)p).ToArray());
            var header = 2 + (2 * parts.Length);
            var cut = header + (cutSeed % (compound.Length - header + 1));
            var complete = 0;
            for (var end = header; complete < parts.Length && end + parts[complete].Length <= cut; complete++)
            {
                end += parts[complete].Length;
            }

            var decoded = PacketCodec.Decode(compound.AsMemory(0, cut));
            Assert.Equal(messages.Take(complete), decoded.Messages);
            Assert.Equal(parts.Length - complete, decoded.TruncatedParts);
        }, iter: Iterations);

    [Fact]
    public void Crc_wrapper_round_trips_and_any_corruption_of_the_content_is_refused() =>
        Gen.Select(MemberlistGen.PacketMessage, Gen.Int[0, int.MaxValue], Gen.Int[0, 7]).Sample((message, position, bit) =>
        {
            var plain = MessageCodec.Encode(message);
            var wrapped = CrcWrapper.Wrap(plain);
            var decoded = PacketCodec.Decode(wrapped);
            Assert.True(decoded.HadCrc);
            Assert.Equal(message, Assert.Single(decoded.Messages));

            var corrupt = (byte[])wrapped.Clone();
            corrupt[1 + (position % (corrupt.Length - 1))] ^= (byte)(1 << bit);
            var error = Assert.Throws<WireDecodeException>(() => PacketCodec.Decode(corrupt));
            Assert.Equal("bad_crc", error.Reason);
        }, iter: Iterations);

    [Fact]
    public void Lzw_round_trips_data_from_empty_to_200_KB_including_dictionary_resets()
    {
        // Mixed entropy: random bytes (a dictionary reset every ~3,800 bytes), small alphabets (long
        // matches), two-symbol data, and tiny inputs; lengths uniform in 0..200 KB.
        var large = 0;
        var data = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 200 * 1024]).SelectMany((kind, length) => kind switch
        {
            0 => Gen.Byte.Array[length],
            1 => Gen.Byte[(byte)'a', (byte)'d'].Array[length],
            2 => Gen.Byte[0, 1].Array[length],
            _ => Gen.Byte.Array[0, 64],
        });
        data.Sample(input =>
        {
            if (input.Length > 100 * 1024)
            {
                Interlocked.Increment(ref large);
            }

            var compressed = GoLzw.Compress(input);
            Assert.True(compressed.Length <= GoLzw.MaxCompressedLength(input.Length));
            Assert.Equal(input, GoLzw.Decompress(compressed));
        }, iter: 120);
        Assert.True(large > 10, $"only {large} inputs above 100 KB");
    }

    [Fact]
    public void Compressed_packets_carry_any_message_and_compounds()
    {
        MemberlistGen.PacketMessage.Array[1, 30].Sample(messages =>
        {
            var packet = Assert.Single(PacketCodec.EncodeMessages(messages));
            var decoded = PacketCodec.Decode(CompressionWrapper.Wrap(packet));
            Assert.Equal(messages, decoded.Messages);
        }, iter: 500);
    }

    [Fact]
    public void Encrypted_packets_and_streams_decrypt_with_any_installed_key_and_fail_typed_with_a_wrong_key()
    {
        var key = Gen.Int[0, 2].SelectMany(size => Gen.Byte.Array[16 + (8 * size)]);
        Gen.Select(key.Array[1, 4], key, MemberlistGen.PacketMessage, Gen.Byte[0, 1], Gen.Byte.Array[0, 20]).Sample((keys, stranger, message, version, label) =>
        {
            if (keys.Any(k => k.AsSpan().SequenceEqual(stranger)))
            {
                return;
            }

            var plain = MessageCodec.Encode(message);
            foreach (var sender in keys)
            {
                // The receiver has every key, in an order where the sender's may be any of them.
                var receiver = new Keyring(keys[^1], keys);
                var packet = MemberlistEncryption.EncryptPacket(sender, version, plain, label);
                Assert.Equal(MemberlistEncryption.EncryptedLength(version, plain.Length), packet.Length);
                Assert.Equal(plain, MemberlistEncryption.DecryptPacket(receiver, packet, label));

                var stream = StreamCodec.Encode(message is PushPull ? message : new UserMessage(plain),
                    new StreamEncodeOptions { Keyring = new Keyring(sender), EncryptionVersion = version, Label = label });
                var read = StreamMessageReader.ReadComplete(stream, new StreamReaderOptions { Keyring = receiver, Label = label });
                Assert.Equal(new UserMessage(plain), read);

                var wrong = new Keyring(stranger);
                Assert.Equal("no_key", Assert.Throws<WireDecodeException>(() => MemberlistEncryption.DecryptPacket(wrong, packet, label)).Reason);
                Assert.Equal("no_key", Assert.Throws<WireDecodeException>(() =>
                    StreamMessageReader.ReadComplete(stream, new StreamReaderOptions { Keyring = wrong, Label = label })).Reason);
            }
        }, iter: 300);
    }

    private static void AssertPacketRoundTrip<T>(Gen<T> gen)
        where T : MemberlistMessage =>
        gen.Sample(message =>
        {
            var bytes = MessageCodec.Encode(message);
            var decoded = Assert.IsType<T>(Assert.Single(PacketCodec.Decode(bytes).Messages));
            Assert.Equal(message, decoded);
            Assert.Equal(message.GetHashCode(), decoded.GetHashCode());
            Assert.Equal(bytes, MessageCodec.Encode(decoded));
        }, iter: Iterations);

    private static void AssertStreamRoundTrip<T>(Gen<T> gen)
        where T : MemberlistMessage =>
        gen.Sample(message =>
        {
            var bytes = MessageCodec.Encode(message, MemberlistChannel.Stream);
            var decoded = Assert.IsType<T>(StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions()));
            Assert.Equal(message, decoded);
            Assert.Equal(bytes, MessageCodec.Encode(decoded, MemberlistChannel.Stream));
        }, iter: Iterations);
}
