using System.Buffers;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>
/// Arbitrary and mutated input: every decoder yields a value or a <see cref="WireDecodeException"/>, nothing
/// else. Seeded (override with PLUMTREE_FUZZ_SEED); the seed is printed to the test output.
/// </summary>
public sealed class FuzzTests
{
    private const int Cases = 100_000;

    private static readonly Keyring FuzzKeys = new(MemberlistVectors.Get("key_aes128"), [new byte[32]]);

    [Fact]
    public void Packet_decoder_only_throws_wire_decode_exceptions() =>
        Fuzz(nameof(Packet_decoder_only_throws_wire_decode_exceptions), PacketCorpus(), input => PacketCodec.Decode(input));

    [Fact]
    public void Datagram_decoder_with_labels_and_keys_only_throws_wire_decode_exceptions()
    {
        var options = new PacketDecodeOptions { Keyring = FuzzKeys, VerifyIncoming = false, Label = "lab"u8.ToArray() };
        var corpus = PacketCorpus().Select(p => LabelHeader.Add("lab"u8, MemberlistEncryption.EncryptPacket(FuzzKeys.PrimaryKey, 1, p, "lab"u8))).ToList();
        Fuzz(nameof(Datagram_decoder_with_labels_and_keys_only_throws_wire_decode_exceptions), corpus, input => PacketCodec.DecodeDatagram(input, options));
    }

    [Fact]
    public void Stream_reader_only_throws_wire_decode_exceptions_whatever_the_chunking()
    {
        var corpus = StreamCorpus();
        var seed = Seed(nameof(Stream_reader_only_throws_wire_decode_exceptions_whatever_the_chunking));
        var random = new Random(seed);
        Fuzz(nameof(Stream_reader_only_throws_wire_decode_exceptions_whatever_the_chunking), corpus, input =>
        {
            var options = random.Next(3) == 0 ? new StreamReaderOptions { Keyring = FuzzKeys, ReadLabelHeader = true, SkipInboundLabelCheck = true } : new StreamReaderOptions();
            var reader = new StreamMessageReader(options);
            var pending = Array.Empty<byte>();
            var offset = 0;
            while (offset < input.Length)
            {
                var take = Math.Min(input.Length - offset, 1 + random.Next(input.Length));
                var buffer = new ReadOnlySequence<byte>([.. pending, .. input.AsSpan(offset, take)]);
                offset += take;
                if (reader.TryRead(ref buffer, out _))
                {
                    return;
                }

                pending = buffer.ToArray();
            }
        });
    }

    [Fact]
    public void Lzw_decoder_only_throws_wire_decode_exceptions()
    {
        var random = new Random(Seed("lzw-corpus"));
        var corpus = new List<byte[]> { MemberlistVectors.Get("lzw_raw_of_alive") };
        for (var i = 0; i < 40; i++)
        {
            var data = new byte[random.Next(0, 3000)];
            for (var j = 0; j < data.Length; j++)
            {
                data[j] = (byte)(random.Next(4) == 0 ? random.Next(256) : j % 5);
            }

            corpus.Add(GoLzw.Compress(data));
        }

        Fuzz(nameof(Lzw_decoder_only_throws_wire_decode_exceptions), corpus, input => GoLzw.Decompress(input, 1 << 20));
    }

    [Fact]
    public void Decryptor_only_throws_wire_decode_exceptions()
    {
        var corpus = new List<byte[]>
        {
            MemberlistVectors.Get("udp_encrypted_v1_ping"),
            MemberlistVectors.Get("udp_encrypted_v0_ping"),
            MemberlistVectors.Get("tcp_encrypted_pushpull").AsSpan(5).ToArray(),
        };
        var header = MemberlistVectors.Get("tcp_encrypted_pushpull").AsSpan(0, 5).ToArray();
        Fuzz(nameof(Decryptor_only_throws_wire_decode_exceptions), corpus, input =>
        {
            if (input.Length % 2 == 0)
            {
                MemberlistEncryption.DecryptPacket(FuzzKeys, input, []);
            }
            else
            {
                MemberlistEncryption.DecryptStream(FuzzKeys, header, input, []);
            }
        });
    }

    [Fact]
    public void Serf_meta_and_message_decoders_only_throw_wire_decode_exceptions()
    {
        var corpus = new List<byte[]>
        {
            MemberlistVectors.Get("serf_tags_meta"),
            SerfTags.Encode(new Dictionary<string, string> { ["role"] = "web", ["pt"] = "1", ["zone"] = "eu-west-1a" }),
            MemberlistVectors.Get("serf_join_intent"),
            MemberlistVectors.Get("serf_leave_intent"),
            MemberlistVectors.Get("serf_user_event"),
        };
        Fuzz(nameof(Serf_meta_and_message_decoders_only_throw_wire_decode_exceptions), corpus, input =>
        {
            SerfTags.Decode(input);
            SerfCodec.Decode(input);
        });
    }

    private static void Fuzz(string name, IReadOnlyList<byte[]> corpus, Action<byte[]> decode)
    {
        var seed = Seed(name);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: seed {seed} (set PLUMTREE_FUZZ_SEED to replay), {Cases} cases");
        var random = new Random(seed);
        int values = 0, errors = 0;
        for (var i = 0; i < Cases; i++)
        {
            var input = random.Next(4) == 0 ? RandomBytes(random) : Mutate(random, corpus[random.Next(corpus.Count)]);
            try
            {
                decode(input);
                values++;
            }
            catch (WireDecodeException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Layer));
                Assert.False(string.IsNullOrEmpty(e.Reason));
                errors++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{name}: seed {seed}, case {i}, input {Convert.ToHexStringLower(input)} threw {e}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {values} values, {errors} typed errors");
        Assert.Equal(Cases, values + errors);
    }

    private static int Seed(string name)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PLUMTREE_FUZZ_SEED");
        var baseSeed = int.TryParse(fromEnvironment, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 20_260_701;
        var hash = 17;
        foreach (var c in name)
        {
            hash = unchecked((hash * 31) + c);
        }

        return baseSeed ^ hash;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        if (bytes.Length > 0 && random.Next(2) == 0)
        {
            // Start with a plausible type byte so the dispatch goes deeper than "unknown type".
            bytes[0] = (byte)random.Next(15);
        }

        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        var mutations = 1 + random.Next(4);
        for (var m = 0; m < mutations; m++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 5 when bytes.Count > 0:
                    // Interesting msgpack bytes: headers with large lengths, nil, 0xc1, ext.
                    bytes[at] = (byte)(random.Next(6) switch { 0 => 0xdb, 1 => 0xdd, 2 => 0xdf, 3 => 0xc1, 4 => 0xc0, _ => 0xc7 });
                    break;
                default:
                    if (bytes.Count > 0)
                    {
                        var length = random.Next(Math.Min(32, bytes.Count - at) + 1);
                        bytes.InsertRange(at, bytes.GetRange(at, length));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static List<byte[]> PacketCorpus()
    {
        var random = new Random(Seed("packet-corpus"));
        var corpus = new List<byte[]>
        {
            MemberlistVectors.Get("ping"), MemberlistVectors.Get("indirect_ping"), MemberlistVectors.Get("ack_payload"),
            MemberlistVectors.Get("nack"), MemberlistVectors.Get("suspect"), MemberlistVectors.Get("alive_serf_meta"),
            MemberlistVectors.Get("dead"), MemberlistVectors.Get("user_packet"), MemberlistVectors.Get("compound_ping_suspect"),
            MemberlistVectors.Get("crc_wrapped_ack"), MemberlistVectors.Get("compress_alive"),
        };
        for (var i = 0; i < 30; i++)
        {
            var messages = Enumerable.Range(0, 1 + random.Next(4)).Select(_ => RandomMessages.Packet(random)).ToList();
            var packet = PacketCodec.EncodeMessages(messages)[0];
            corpus.Add(PacketCodec.EncodeDatagram(packet, new PacketEncodeOptions { Compress = random.Next(2) == 0, Crc = random.Next(2) == 0 }));
            corpus.Add(CompressionWrapper.Wrap(packet));
        }

        return corpus;
    }

    private static List<byte[]> StreamCorpus()
    {
        var random = new Random(Seed("stream-corpus"));
        var corpus = new List<byte[]>
        {
            MemberlistVectors.Get("pushpull_stream"), MemberlistVectors.Get("user_stream"), MemberlistVectors.Get("err"),
            MemberlistVectors.Get("tcp_encrypted_pushpull"), MemberlistVectors.Get("ping"), MemberlistVectors.Get("ack_nil_payload"),
        };
        for (var i = 0; i < 30; i++)
        {
            var message = RandomMessages.Stream(random);
            corpus.Add(StreamCodec.Encode(message, new StreamEncodeOptions { Compress = random.Next(2) == 0 }));
            corpus.Add(StreamCodec.Encode(message, new StreamEncodeOptions { Compress = random.Next(2) == 0, Keyring = FuzzKeys, Label = "x"u8.ToArray(), WriteLabelHeader = true }));
        }

        return corpus;
    }
}
