using System.Buffers;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

/// <summary>The frame size limit holds on receive (from the header alone) and on send.</summary>
public sealed class FrameSizeLimitTests
{
    private const int Max = 1 << 20;

    [Fact]
    public void TryReadFrame_refuses_a_header_declaring_4_GiB_from_its_six_bytes_alone()
    {
        var header = FrameAssert.Hex("01 01 ffffffff");
        foreach (var limit in new[] { Max, int.MaxValue })
        {
            foreach (var buffer in new[] { new ReadOnlySequence<byte>(header), SegmentedSequence.Create(header, 1, 2, 3, 4, 5) })
            {
                var sequence = buffer;
                var error = Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.TryReadFrame(ref sequence, limit, out _));
                Assert.Equal("too_large", error.Reason);
                Assert.Equal(6 + 0xFFFF_FFFFL, error.FrameLength);
                FrameAssert.Unchanged(buffer, sequence);
            }
        }
    }

    [Fact]
    public void Decode_refuses_a_header_declaring_4_GiB_as_too_large_not_truncated()
    {
        var error = Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.Decode(FrameAssert.Hex("01 01 ffffffff"), int.MaxValue));
        Assert.Equal("too_large", error.Reason);
        Assert.Equal("plumtree", error.Layer);
    }

    [Fact]
    public void A_header_at_the_limit_waits_for_its_body_and_one_byte_more_is_refused()
    {
        const int limit = 1000;
        var atLimit = new ReadOnlySequence<byte>(FrameAssert.Hex("01 01 000003e2")); // 6 + 994 = 1000
        Assert.False(PlumtreeFrameCodec.TryReadFrame(ref atLimit, limit, out _));

        var overLimit = new ReadOnlySequence<byte>(FrameAssert.Hex("01 01 000003e3")); // 6 + 995 = 1001
        var error = Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.TryReadFrame(ref overLimit, limit, out _));
        Assert.Equal("too_large", error.Reason);
        Assert.Equal(1001, error.FrameLength);
    }

    [Fact]
    public void A_frame_exactly_at_the_limit_round_trips_and_one_byte_over_is_refused_by_every_codec_path()
    {
        var id = new MessageId(0x0123, 0x4567);
        var atLimit = PlumtreeFrame.Gossip(id, 1, new byte[1000 - 24]);
        var overLimit = PlumtreeFrame.Gossip(id, 1, new byte[1001 - 24]);
        const int limit = 1000;

        var bytes = FrameAssert.Encode(atLimit, limit);
        Assert.Equal(limit, bytes.Length);
        FrameAssert.Equal(atLimit, PlumtreeFrameCodec.Decode(bytes, limit));

        var destination = new byte[2000];
        Array.Fill(destination, (byte)0xAA);
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.Encode(overLimit, destination, limit));
        Assert.All(destination, b => Assert.Equal(0xAA, b));

        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.Encode(overLimit, writer, limit));
        Assert.Equal(0, writer.WrittenCount);

        var tooBig = FrameAssert.Encode(overLimit);
        Assert.Equal("too_large", Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.Decode(tooBig, limit)).Reason);
        var sequence = new ReadOnlySequence<byte>(tooBig);
        Assert.Equal("too_large", Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.TryReadFrame(ref sequence, limit, out _)).Reason);
    }

    [Fact]
    public void An_IHave_over_the_limit_is_refused_on_encode()
    {
        var entries = Enumerable.Range(1, 10).Select(i => new IHaveEntry(new MessageId(0, (ulong)i), i)).ToArray();
        var frame = PlumtreeFrame.IHave(entries);
        Assert.Equal(6 + 2 + 180, PlumtreeFrameCodec.GetEncodedLength(frame));
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.Encode(frame, new byte[500], 187));
        Assert.Equal(188, PlumtreeFrameCodec.Encode(frame, new byte[500], 188));
    }

    [Fact]
    public void A_limit_smaller_than_the_header_is_a_caller_error()
    {
        var sequence = new ReadOnlySequence<byte>(FrameAssert.Hex("01 04 00000000"));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlumtreeFrameCodec.Decode(FrameAssert.Hex("01 04 00000000"), 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlumtreeFrameCodec.TryReadFrame(ref sequence, 5, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlumtreeFrameCodec.Encode(PlumtreeFrame.Prune(), new byte[6], 5));
        Assert.Equal(6, PlumtreeFrameCodec.Encode(PlumtreeFrame.Prune(), new byte[6], 6));
    }
}
