using System.Buffers;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

/// <summary>Field-by-field frame comparison (PlumtreeFrame has no value equality: it holds memory).</summary>
internal static class FrameAssert
{
    public static void Equal(in PlumtreeFrame expected, in PlumtreeFrame actual, string context = "")
    {
        Assert.True(expected.Type == actual.Type, $"{context}type {actual.Type}, expected {expected.Type}");
        Assert.True(expected.Id == actual.Id, $"{context}id {actual.Id}, expected {expected.Id}");
        Assert.True(expected.Hop == actual.Hop, $"{context}hop {actual.Hop}, expected {expected.Hop}");
        Assert.True(expected.Flag == actual.Flag, $"{context}flag {actual.Flag}, expected {expected.Flag}");
        Assert.True(
            expected.Payload.Span.SequenceEqual(actual.Payload.Span),
            $"{context}payload of {actual.Payload.Length} B differs from the expected {expected.Payload.Length} B");
        Assert.True(
            expected.Entries.Span.SequenceEqual(actual.Entries.Span),
            $"{context}{actual.Entries.Length} IHave entries differ from the expected {expected.Entries.Length}");
    }

    /// <summary>The reader consumed nothing: same start and end.</summary>
    public static void Unchanged(in ReadOnlySequence<byte> before, in ReadOnlySequence<byte> after, string context = "")
    {
        Assert.True(
            before.Start.Equals(after.Start) && before.End.Equals(after.End),
            $"{context}the buffer moved from {before.Length} to {after.Length} bytes");
    }

    /// <summary>Encodes with an exactly sized array.</summary>
    public static byte[] Encode(in PlumtreeFrame frame, int maxFrameSize = int.MaxValue)
    {
        var bytes = new byte[PlumtreeFrameCodec.GetEncodedLength(frame)];
        Assert.Equal(bytes.Length, PlumtreeFrameCodec.Encode(frame, bytes, maxFrameSize));
        return bytes;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
