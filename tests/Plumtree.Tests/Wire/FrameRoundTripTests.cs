using System.Buffers;
using System.Runtime.InteropServices;
using CsCheck;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

/// <summary>Encode then decode gives the frame back, through both decoders and however the stream is cut.</summary>
public sealed class FrameRoundTripTests
{
    private const int Max = 1 << 20;

    [Fact]
    public void Every_frame_kind_survives_Encode_then_Decode()
    {
        FrameGen.Any.Sample(
            frame =>
            {
                var bytes = FrameAssert.Encode(frame, Max);
                Assert.Equal(bytes.Length, PlumtreeFrameCodec.GetEncodedLength(frame));
                FrameAssert.Equal(frame, PlumtreeFrameCodec.Decode(bytes, Max));

                var writer = new ArrayBufferWriter<byte>(1);
                PlumtreeFrameCodec.Encode(frame, writer, Max);
                Assert.True(bytes.AsSpan().SequenceEqual(writer.WrittenSpan), "the span and buffer-writer encoders disagree");
            },
            iter: 3_000,
            print: frame => frame.ToString());
    }

    [Fact]
    public void Every_frame_kind_survives_Encode_then_TryReadFrame_over_random_segments()
    {
        Gen.Select(FrameGen.Any, Gen.Int).Sample(
            (frame, seed) =>
            {
                var bytes = FrameAssert.Encode(frame, Max);
                var sequence = SegmentedSequence.Random(bytes, new Random(seed), maxCuts: 6);
                Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, Max, out var read), $"segmentation seed {seed}");
                Assert.True(sequence.IsEmpty, $"segmentation seed {seed}: {sequence.Length} bytes left");
                FrameAssert.Equal(frame, read, $"segmentation seed {seed}: ");
            },
            iter: 3_000,
            print: t => $"{t.Item1}, segmentation seed {t.Item2}");
    }

    [Fact]
    public void Frames_back_to_back_are_read_in_order_and_a_partial_last_frame_is_left_for_later()
    {
        Gen.Select(FrameGen.Small.Array[1, 12], FrameGen.Small, Gen.Int).Sample(
            (frames, partial, seed) =>
            {
                var random = new Random(seed);
                var stream = new ArrayBufferWriter<byte>();
                foreach (var frame in frames)
                {
                    PlumtreeFrameCodec.Encode(frame, stream, Max);
                }

                var partialBytes = FrameAssert.Encode(partial, Max);
                var cut = random.Next(0, partialBytes.Length);
                stream.Write(partialBytes.AsSpan(0, cut));

                var sequence = SegmentedSequence.Random(stream.WrittenSpan, random, maxCuts: 10);
                foreach (var expected in frames)
                {
                    Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, Max, out var read), $"seed {seed}");
                    FrameAssert.Equal(expected, read, $"seed {seed}: ");
                }

                var rest = sequence;
                Assert.False(PlumtreeFrameCodec.TryReadFrame(ref sequence, Max, out _), $"seed {seed}: a partial frame was read");
                FrameAssert.Unchanged(rest, sequence);
                Assert.Equal(cut, sequence.Length);
            },
            iter: 2_000);
    }

    public static TheoryData<string> FewFrames() => ["gossip", "ihave", "graft", "neighbor", "prune"];

    [Theory]
    [MemberData(nameof(FewFrames))]
    public void A_stream_cut_at_every_byte_boundary_yields_the_frame_exactly_when_it_is_complete(string kind)
    {
        var frame = Sample(kind);
        var bytes = FrameAssert.Encode(frame, Max);

        for (var i = 0; i <= bytes.Length; i++)
        {
            // Only the first i bytes have arrived (in one or two segments): wait, consume nothing.
            if (i < bytes.Length)
            {
                foreach (var prefix in new[] { new ReadOnlySequence<byte>(bytes, 0, i), SegmentedSequence.Create(bytes.AsSpan(0, i), i / 2) })
                {
                    var buffer = prefix;
                    Assert.False(PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out _), $"{kind}: read from {i} of {bytes.Length} bytes");
                    FrameAssert.Unchanged(prefix, buffer);
                }
            }

            // The whole frame, cut at i and at every j after it.
            for (var j = i; j <= bytes.Length; j++)
            {
                var sequence = SegmentedSequence.Create(bytes, i, j);
                Assert.True(PlumtreeFrameCodec.TryReadFrame(ref sequence, Max, out var read), $"{kind} cut at {i} and {j}");
                Assert.True(sequence.IsEmpty);
                FrameAssert.Equal(frame, read, $"{kind} cut at {i} and {j}: ");
            }
        }
    }

    [Fact]
    public void Bytes_arriving_one_at_a_time_yield_each_frame_once_its_last_byte_arrives()
    {
        var frames = new[] { Sample("gossip"), Sample("ihave"), Sample("prune"), Sample("graft"), Sample("neighbor") };
        var stream = new ArrayBufferWriter<byte>();
        var ends = new List<int>();
        foreach (var frame in frames)
        {
            PlumtreeFrameCodec.Encode(frame, stream, Max);
            ends.Add(stream.WrittenCount);
        }

        var all = stream.WrittenSpan.ToArray();
        var consumed = 0;
        var read = new List<PlumtreeFrame>();
        for (var arrived = 1; arrived <= all.Length; arrived++)
        {
            // A pipe would hand out everything unconsumed: from `consumed` up to what has arrived.
            var buffer = SegmentedSequence.Create(all.AsSpan(consumed, arrived - consumed), (arrived - consumed) / 3);
            while (PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out var frame))
            {
                read.Add(frame);
                consumed = arrived - (int)buffer.Length;
                Assert.Equal(ends[read.Count - 1], consumed);
            }
        }

        Assert.Equal(frames.Length, read.Count);
        for (var i = 0; i < frames.Length; i++)
        {
            FrameAssert.Equal(frames[i], read[i], $"frame {i}: ");
        }
    }

    [Fact]
    public void A_frame_of_an_unknown_type_can_be_skipped_by_its_declared_length()
    {
        var gossip = Sample("gossip");
        var stream = new ArrayBufferWriter<byte>();
        stream.Write(FrameAssert.Hex("01 11 00000003 aabbcc")); // type 17: reserved for further sync frames
        PlumtreeFrameCodec.Encode(gossip, stream, Max);
        var buffer = SegmentedSequence.Create(stream.WrittenSpan, 4, 7);

        var error = Assert.Throws<WireDecodeException>(() => PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out _));
        Assert.Equal("unknown_type", error.Reason);
        Assert.Contains("sync", error.Message, StringComparison.Ordinal);
        Assert.Equal(9, error.FrameLength);

        buffer = buffer.Slice(error.FrameLength!.Value);
        Assert.True(PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out var read));
        FrameAssert.Equal(gossip, read);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Decode_returns_the_Gossip_payload_as_a_slice_of_its_input()
    {
        var bytes = FrameAssert.Encode(Sample("gossip"), Max);
        var frame = PlumtreeFrameCodec.Decode(bytes, Max);

        Assert.True(MemoryMarshal.TryGetArray(frame.Payload, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(PlumtreeFrameCodec.HeaderSize + MessageId.Size + 2, segment.Offset);
        Assert.Equal(bytes.Length - segment.Offset, segment.Count);
    }

    [Fact]
    public void TryReadFrame_copies_the_Gossip_payload_into_an_exactly_sized_array_the_stream_buffer_does_not_touch()
    {
        var original = Sample("gossip");
        foreach (var cuts in new[] { Array.Empty<int>(), new[] { 3, 30, 31 } })
        {
            var bytes = FrameAssert.Encode(original, Max);
            var backing = bytes.ToArray();
            var buffer = cuts.Length == 0 ? new ReadOnlySequence<byte>(backing) : SegmentedSequence.Create(backing, cuts);
            Assert.True(PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out var frame));

            Array.Fill(backing, (byte)0xEE); // the pipe reuses its buffer
            Assert.True(MemoryMarshal.TryGetArray(frame.Payload, out var segment));
            Assert.NotSame(backing, segment.Array);
            Assert.Equal(0, segment.Offset);
            Assert.Equal(frame.Payload.Length, segment.Array!.Length);
            FrameAssert.Equal(original, frame);
        }
    }

    [Fact]
    public void Decoding_a_Gossip_frame_allocates_nothing_but_the_stream_payload_copy()
    {
        var frame = Sample("gossip");
        var bytes = FrameAssert.Encode(frame, Max);
        var contiguous = new ReadOnlySequence<byte>(bytes);
        var segmented = SegmentedSequence.Create(bytes, 5, 20, 100);
        var destination = new byte[bytes.Length];

        // Warm up (JIT, statics), then measure one call of each.
        for (var i = 0; i < 3; i++)
        {
            PlumtreeFrameCodec.Decode(bytes, Max);
            var a = contiguous;
            PlumtreeFrameCodec.TryReadFrame(ref a, Max, out _);
            var b = segmented;
            PlumtreeFrameCodec.TryReadFrame(ref b, Max, out _);
            PlumtreeFrameCodec.Encode(frame, destination, Max);
            _ = new byte[frame.Payload.Length];
        }

        var payloadArray = Allocated(() => _ = new byte[frame.Payload.Length]);
        Assert.True(payloadArray > frame.Payload.Length);
        Assert.Equal(0, Allocated(() => PlumtreeFrameCodec.Decode(bytes, Max)));
        Assert.Equal(0, Allocated(() => PlumtreeFrameCodec.Encode(frame, destination, Max)));
        Assert.Equal(payloadArray, Allocated(() =>
        {
            var buffer = contiguous;
            PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out _);
        }));
        Assert.Equal(payloadArray, Allocated(() =>
        {
            var buffer = segmented;
            PlumtreeFrameCodec.TryReadFrame(ref buffer, Max, out _);
        }));
    }

    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static PlumtreeFrame Sample(string kind)
    {
        var random = new Random(kind.Length);
        MessageId Id() => new((ulong)random.NextInt64() | 1, (ulong)random.NextInt64());
        var payload = new byte[200];
        random.NextBytes(payload);
        return kind switch
        {
            "gossip" => PlumtreeFrame.Gossip(Id(), 7, payload),
            "ihave" => PlumtreeFrame.IHave(new[] { new IHaveEntry(Id(), 1), new IHaveEntry(Id(), 300), new IHaveEntry(Id(), 65535) }),
            "graft" => PlumtreeFrame.Graft(Id(), 513),
            "neighbor" => PlumtreeFrame.Neighbor(highPriority: true),
            "prune" => PlumtreeFrame.Prune(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }
}
