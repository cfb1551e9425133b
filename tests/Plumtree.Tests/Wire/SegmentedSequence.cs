using System.Buffers;

namespace Plumtree.Tests.Wire;

/// <summary>
/// Builds multi-segment <see cref="ReadOnlySequence{T}"/>s the way a pipe hands them out: each segment is
/// its own array, so a reader that strays across a segment boundary reads the wrong bytes.
/// </summary>
internal static class SegmentedSequence
{
    /// <summary>A sequence over <paramref name="data"/> cut at the ascending <paramref name="cuts"/>; a repeated cut makes an empty segment.</summary>
    public static ReadOnlySequence<byte> Create(ReadOnlySpan<byte> data, params ReadOnlySpan<int> cuts)
    {
        var first = new Segment(data[..(cuts.IsEmpty ? data.Length : cuts[0])].ToArray(), 0);
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var start = cuts[i];
            var end = i + 1 < cuts.Length ? cuts[i + 1] : data.Length;
            last = last.Append(data[start..end].ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>A sequence over <paramref name="data"/> cut at up to <paramref name="maxCuts"/> random places (empty segments included).</summary>
    public static ReadOnlySequence<byte> Random(ReadOnlySpan<byte> data, Random random, int maxCuts)
    {
        var cuts = new int[random.Next(0, maxCuts + 1)];
        for (var i = 0; i < cuts.Length; i++)
        {
            cuts[i] = random.Next(0, data.Length + 1);
        }

        Array.Sort(cuts);
        return Create(data, cuts);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
