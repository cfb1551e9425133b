using System.Buffers;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

/// <summary>The encoders refuse frames the format cannot carry, before writing anything.</summary>
public sealed class FrameEncoderTests
{
    private const int Max = 4 << 20;
    private static readonly MessageId Id = new(0x018bcfe56800a1b2UL, 0xc3d4e5f60718293aUL);

    public static TheoryData<int> BadHops() => [-1, 65536, int.MinValue, int.MaxValue];

    [Theory]
    [MemberData(nameof(BadHops))]
    public void A_hop_outside_0_to_65535_is_refused_in_every_frame_kind_that_carries_one(int hop)
    {
        AssertRefused<ArgumentOutOfRangeException>(PlumtreeFrame.Gossip(Id, hop, new byte[3]));
        AssertRefused<ArgumentOutOfRangeException>(PlumtreeFrame.Graft(Id, hop));
        AssertRefused<ArgumentOutOfRangeException>(PlumtreeFrame.IHave(new[] { new IHaveEntry(Id, 1), new IHaveEntry(Id, hop) }));
    }

    [Fact]
    public void Hops_0_and_65535_are_accepted()
    {
        foreach (var hop in new[] { 0, 65535 })
        {
            var frame = PlumtreeFrame.Graft(Id, hop);
            Assert.Equal(hop, PlumtreeFrameCodec.Decode(FrameAssert.Encode(frame), Max).Hop);
        }
    }

    [Fact]
    public void An_IHave_carries_1_to_65535_entries()
    {
        AssertRefused<ArgumentException>(PlumtreeFrame.IHave(ReadOnlyMemory<IHaveEntry>.Empty));
        AssertRefused<ArgumentException>(PlumtreeFrame.IHave(Entries(65536)));

        var largest = PlumtreeFrame.IHave(Entries(65535));
        var bytes = FrameAssert.Encode(largest, Max);
        Assert.Equal(6 + 2 + (65535 * 18), bytes.Length);
        FrameAssert.Equal(largest, PlumtreeFrameCodec.Decode(bytes, Max));
        var sequence = SegmentedSequence.Create(bytes, 100, 500_000);
        Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, Max, out var streamed));
        FrameAssert.Equal(largest, streamed);
    }

    [Fact]
    public void Gossip_and_IHave_entries_need_a_message_id_but_a_Graft_may_be_link_only()
    {
        AssertRefused<ArgumentException>(PlumtreeFrame.Gossip(MessageId.Empty, 1, new byte[3]));
        AssertRefused<ArgumentException>(PlumtreeFrame.IHave(new[] { new IHaveEntry(Id, 1), new IHaveEntry(MessageId.Empty, 1) }));
        Assert.True(PlumtreeFrameCodec.Decode(FrameAssert.Encode(PlumtreeFrame.Graft(MessageId.Empty, 0)), Max).Id.IsEmpty);
    }

    [Fact]
    public void A_default_frame_has_no_type_and_is_refused()
    {
        AssertRefused<ArgumentException>(default);
    }

    [Fact]
    public void A_destination_too_short_is_refused_and_left_untouched()
    {
        var frame = PlumtreeFrame.Gossip(Id, 1, new byte[10]);
        var destination = new byte[33];
        Array.Fill(destination, (byte)0x5A);
        Assert.Throws<ArgumentException>(() => PlumtreeFrameCodec.Encode(frame, destination, Max));
        Assert.All(destination, b => Assert.Equal(0x5A, b));
        Assert.Equal(34, PlumtreeFrameCodec.Encode(frame, new byte[40], Max));
    }

    [Fact]
    public void The_buffer_writer_encoder_copes_with_a_writer_that_hands_out_small_spans()
    {
        var payload = new byte[5000];
        new Random(5).NextBytes(payload);
        var frame = PlumtreeFrame.Gossip(Id, 9, payload);
        var writer = new SmallChunkWriter(chunk: 64);
        PlumtreeFrameCodec.Encode(frame, writer, Max);
        Assert.Equal(FrameAssert.Encode(frame), writer.Written.ToArray());
    }

    private static void AssertRefused<TException>(PlumtreeFrame frame)
        where TException : ArgumentException
    {
        Assert.ThrowsAny<TException>(() => PlumtreeFrameCodec.GetEncodedLength(frame));
        var destination = new byte[2_000_000];
        Assert.ThrowsAny<TException>(() => PlumtreeFrameCodec.Encode(frame, destination, Max));
        Assert.All(destination.AsSpan(0, 64).ToArray(), b => Assert.Equal(0, b));
        var writer = new ArrayBufferWriter<byte>();
        Assert.ThrowsAny<TException>(() => PlumtreeFrameCodec.Encode(frame, writer, Max));
        Assert.Equal(0, writer.WrittenCount);
    }

    private static IHaveEntry[] Entries(int count) =>
        Enumerable.Range(1, count).Select(i => new IHaveEntry(new MessageId((ulong)i << 16, (ulong)i), i % 65536)).ToArray();

    /// <summary>A writer that hands out spans of <c>chunk</c> bytes unless asked for more (as a pipe does at segment ends).</summary>
    private sealed class SmallChunkWriter(int chunk) : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public IReadOnlyList<byte> Written => _written;

        public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count));

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, chunk)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
