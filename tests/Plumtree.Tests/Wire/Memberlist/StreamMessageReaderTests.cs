using System.Buffers;
using System.Buffers.Binary;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

public sealed class StreamMessageReaderTests
{
    private static readonly Keyring Keys = new(MemberlistVectors.Get("key_aes128"));

    [Fact]
    public void A_push_pull_fed_one_byte_at_a_time_needs_more_until_its_last_byte()
    {
        var bytes = MemberlistVectors.Get("pushpull_stream");
        var reader = new StreamMessageReader(new StreamReaderOptions());
        var pending = new List<byte>();
        for (var i = 0; i < bytes.Length; i++)
        {
            pending.Add(bytes[i]);
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            var done = reader.TryRead(ref buffer, out var message);
            Assert.Equal(i == bytes.Length - 1, done);
            if (done)
            {
                var pushPull = Assert.IsType<PushPull>(message);
                Assert.Equal("a", Assert.Single(pushPull.Nodes).Name);
                Assert.Equal("abc"u8.ToArray(), pushPull.UserState);
            }

            pending = [.. buffer.ToArray()];
        }

        Assert.Empty(pending);
    }

    [Fact]
    public void Node_states_already_read_are_consumed_from_the_buffer()
    {
        var nodes = Enumerable.Range(0, 50).Select(i => new PushNodeState($"n{i}", [10, 0, 0, (byte)i], 7946, null, 1, NodeStateKind.Alive, ProtocolVersions.PlainMemberlist)).ToList();
        var bytes = MessageCodec.Encode(new PushPull(false, nodes, []), MemberlistChannel.Stream);
        var reader = new StreamMessageReader(new StreamReaderOptions());
        var half = new ReadOnlySequence<byte>(bytes.AsMemory(0, bytes.Length / 2));
        Assert.False(reader.TryRead(ref half, out _));
        Assert.True(half.Length < 60, $"{half.Length} bytes left unconsumed");
        var rest = new ReadOnlySequence<byte>([.. half.ToArray(), .. bytes.AsSpan(bytes.Length / 2)]);
        Assert.True(reader.TryRead(ref rest, out var message));
        Assert.Equal(nodes, ((PushPull)message).Nodes);
        Assert.True(rest.IsEmpty);
    }

    [Fact]
    public void Bytes_after_the_message_are_left_in_the_buffer()
    {
        var bytes = MemberlistVectors.Get("user_stream");
        var buffer = new ReadOnlySequence<byte>([.. bytes, 0x99, 0x98]);
        Assert.True(new StreamMessageReader(new StreamReaderOptions()).TryRead(ref buffer, out _));
        Assert.Equal(new byte[] { 0x99, 0x98 }, buffer.ToArray());
    }

    [Fact]
    public void Ping_and_ack_travel_on_streams()
    {
        Assert.Equal(new Ping(7, "b", [127, 0, 0, 1], 7946, "a"), StreamMessageReader.ReadComplete(MemberlistVectors.Get("ping"), new StreamReaderOptions()));
        Assert.Equal(new Ack(7), StreamMessageReader.ReadComplete(MemberlistVectors.Get("ack_nil_payload"), new StreamReaderOptions()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(11)]
    [InlineData(12)]
    public void Packet_only_types_are_refused_on_streams(byte type)
    {
        var error = Assert.Throws<WireDecodeException>(() => StreamMessageReader.ReadComplete(new byte[] { type, 0x80 }, new StreamReaderOptions()));
        Assert.Equal("unsupported_type", error.Reason);
    }

    [Fact]
    public void An_incomplete_message_read_as_complete_is_a_typed_error()
    {
        var bytes = MemberlistVectors.Get("pushpull_stream");
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => StreamMessageReader.ReadComplete(bytes.AsMemory(0, bytes.Length - 1), new StreamReaderOptions())).Reason);
    }

    [Fact]
    public void A_compressed_and_encrypted_push_pull_with_a_label_reads_back()
    {
        var message = new PushPull(true, [new PushNodeState("x", [10, 0, 0, 1], 1, [1, 2], 3, NodeStateKind.Left, ProtocolVersions.Serf)], new byte[500]);
        var options = new StreamEncodeOptions { Compress = true, Keyring = Keys, Label = "blue"u8.ToArray(), WriteLabelHeader = true };
        var bytes = StreamCodec.Encode(message, options);
        Assert.Equal(0xf4, bytes[0]);
        Assert.Equal((byte)MessageType.Encrypt, bytes[6]);

        var reader = new StreamMessageReader(new StreamReaderOptions { Keyring = Keys, Label = "blue"u8.ToArray(), ReadLabelHeader = true });
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(reader.TryRead(ref buffer, out var read));
        Assert.Equal(message, read);
        Assert.Equal("blue"u8.ToArray(), reader.Label.ToArray());
    }

    [Fact]
    public void Stream_labels_are_checked_on_accepted_streams()
    {
        var labelled = StreamCodec.Encode(new UserMessage([1]), new StreamEncodeOptions { Label = "blue"u8.ToArray(), WriteLabelHeader = true });
        var plain = MessageCodec.Encode(new UserMessage([1]), MemberlistChannel.Stream);
        Assert.Equal("label_mismatch", Assert.Throws<WireDecodeException>(() =>
            StreamMessageReader.ReadComplete(labelled, new StreamReaderOptions { ReadLabelHeader = true })).Reason);
        Assert.Equal("label_mismatch", Assert.Throws<WireDecodeException>(() =>
            StreamMessageReader.ReadComplete(plain, new StreamReaderOptions { ReadLabelHeader = true, Label = "blue"u8.ToArray() })).Reason);
        Assert.Equal(new UserMessage([1]), StreamMessageReader.ReadComplete(labelled, new StreamReaderOptions { ReadLabelHeader = true, SkipInboundLabelCheck = true }));
        Assert.Equal(new UserMessage([1]), StreamMessageReader.ReadComplete(plain, new StreamReaderOptions { ReadLabelHeader = true, SkipInboundLabelCheck = true, Label = "blue"u8.ToArray() }));
    }

    [Fact]
    public void Encryption_mismatches_are_typed_errors_with_go_semantics()
    {
        var plain = MemberlistVectors.Get("pushpull_stream");
        var encrypted = MemberlistVectors.Get("tcp_encrypted_pushpull");
        Assert.Equal(("crypto", "not_encrypted"), Reason(() => StreamMessageReader.ReadComplete(plain, new StreamReaderOptions { Keyring = Keys })));
        Assert.Equal(("crypto", "not_configured"), Reason(() => StreamMessageReader.ReadComplete(encrypted, new StreamReaderOptions())));
        Assert.IsType<PushPull>(StreamMessageReader.ReadComplete(plain, new StreamReaderOptions { Keyring = Keys, VerifyIncoming = false }));
        // The five header bytes are authenticated: a different length field breaks the tag.
        var altered = (byte[])encrypted.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(altered.AsSpan(1), (uint)(encrypted.Length - 6));
        Assert.Equal(("crypto", "no_key"), Reason(() => StreamMessageReader.ReadComplete(altered.AsMemory(0, altered.Length - 1), new StreamReaderOptions { Keyring = Keys })));
    }

    [Fact]
    public void An_encrypted_length_over_20_MiB_is_refused_from_the_header_alone()
    {
        var header = new byte[] { 10, 0, 0, 0, 0 };
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), MemberlistLimits.MaxEncryptedStreamBytes + 1);
        Assert.Equal("too_large", Reason(() => Feed(header, new StreamReaderOptions { Keyring = Keys })).Reason);
    }

    [Fact]
    public void A_push_pull_declaring_too_many_nodes_or_too_much_user_state_is_refused_from_the_header_alone()
    {
        var tooManyNodes = Convert.FromHexString("0683a44a6f696ec3a54e6f646573ce00100001ac5573657253746174654c656e00");
        Assert.Equal("too_large", Reason(() => Feed(tooManyNodes, new StreamReaderOptions())).Reason);
        var tooMuchState = Convert.FromHexString("0683a44a6f696ec3a54e6f646573ce00100000ac5573657253746174654c656ece01400001");
        Assert.Equal("too_large", Reason(() => Feed(tooMuchState, new StreamReaderOptions())).Reason);
        var exactlyAtLimits = Convert.FromHexString("0683a44a6f696ec3a54e6f646573ce00100000ac5573657253746174654c656ece01400000");
        Assert.False(Feed(exactlyAtLimits, new StreamReaderOptions()));
    }

    [Fact]
    public void A_user_message_declaring_more_than_20_MiB_is_refused_from_the_header_alone()
    {
        var header = Convert.FromHexString("0881aa557365724d73674c656ece01400001");
        Assert.Equal("too_large", Reason(() => Feed(header, new StreamReaderOptions())).Reason);
    }

    [Fact]
    public void A_compressed_stream_declaring_an_oversized_buffer_is_refused_from_its_header()
    {
        var header = Convert.FromHexString("0982a4416c676f00a3427566db02000000");
        Assert.Equal("too_large", Reason(() => Feed(header, new StreamReaderOptions())).Reason);
    }

    [Fact]
    public void A_msgpack_array_declaring_billions_of_elements_is_refused_without_waiting()
    {
        var header = Convert.FromHexString("0683a44a6f696ec3a54e6f64657301ac5573657253746174654c656e0087a158ddffffffff");
        Assert.Equal("too_large", Reason(() => Feed(header, new StreamReaderOptions())).Reason);
    }

    [Fact]
    public void An_empty_buffer_needs_more()
    {
        Assert.False(Feed([], new StreamReaderOptions()));
        Assert.False(Feed([], new StreamReaderOptions { ReadLabelHeader = true }));
        Assert.False(Feed([0xf4], new StreamReaderOptions { ReadLabelHeader = true }));
        Assert.False(Feed([10, 0, 0], new StreamReaderOptions { Keyring = Keys }));
    }

    private static bool Feed(byte[] bytes, StreamReaderOptions options)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        return new StreamMessageReader(options).TryRead(ref buffer, out _);
    }

    private static (string Layer, string Reason) Reason(Action action)
    {
        var error = Assert.Throws<WireDecodeException>(action);
        return (error.Layer, error.Reason);
    }

    private static (string Layer, string Reason) Reason(Func<object> action) => Reason(() => { _ = action(); });
}
