using System.Buffers;
using BenchmarkDotNet.Attributes;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Benchmarks;

/// <summary>
/// The Plumtree frame codec on its hot paths: Gossip with a 1 KiB payload (encode into a reused buffer,
/// decode as a slice, read from a stream with a payload copy) and an IHave of 64 entries.
/// </summary>
[MemoryDiagnoser]
public class FrameCodecBenchmarks
{
    private const int MaxFrameSize = 1 << 20;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly ArrayBufferWriter<byte> _writer = new(64 * 1024);
    private PlumtreeFrame _gossip;
    private PlumtreeFrame _ihave;
    private byte[] _gossipBytes = [];
    private byte[] _ihaveBytes = [];
    private ReadOnlySequence<byte> _gossipSequence;
    private ReadOnlySequence<byte> _ihaveSequence;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var payload = new byte[1024];
        random.NextBytes(payload);
        _gossip = PlumtreeFrame.Gossip(new MessageId(0x018bcfe56800a1b2UL, 0xc3d4e5f60718293aUL), 3, payload);

        var entries = new IHaveEntry[64];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new IHaveEntry(new MessageId((0x018bcfe56800UL + (ulong)i) << 16, (ulong)random.NextInt64()), random.Next(1, 10));
        }

        _ihave = PlumtreeFrame.IHave(entries);

        _gossipBytes = new byte[PlumtreeFrameCodec.GetEncodedLength(_gossip)];
        PlumtreeFrameCodec.Encode(_gossip, _gossipBytes, MaxFrameSize);
        _ihaveBytes = new byte[PlumtreeFrameCodec.GetEncodedLength(_ihave)];
        PlumtreeFrameCodec.Encode(_ihave, _ihaveBytes, MaxFrameSize);
        _gossipSequence = new ReadOnlySequence<byte>(_gossipBytes);
        _ihaveSequence = new ReadOnlySequence<byte>(_ihaveBytes);
    }

    /// <summary>Gossip, 1 KiB payload, into a reused byte array.</summary>
    [Benchmark]
    public int EncodeGossip1KiB() => PlumtreeFrameCodec.Encode(_gossip, _buffer, MaxFrameSize);

    /// <summary>Gossip, 1 KiB payload, appended to a reused buffer writer.</summary>
    [Benchmark]
    public int EncodeGossip1KiBToBufferWriter()
    {
        _writer.ResetWrittenCount();
        PlumtreeFrameCodec.Encode(_gossip, _writer, MaxFrameSize);
        return _writer.WrittenCount;
    }

    /// <summary>Whole-frame decode: the payload is a slice of the input.</summary>
    [Benchmark]
    public int DecodeGossip1KiBSlice() => PlumtreeFrameCodec.Decode(_gossipBytes, MaxFrameSize).Hop;

    /// <summary>Stream read: the payload is copied into a new 1 KiB array.</summary>
    [Benchmark]
    public int ReadGossip1KiBFromStream()
    {
        var buffer = _gossipSequence;
        PlumtreeFrameCodec.TryReadFrame(ref buffer, MaxFrameSize, out var frame);
        return frame.Payload.Length;
    }

    /// <summary>Reference floor for the stream read: allocating and filling a 1 KiB array, nothing else.</summary>
    [Benchmark]
    public int CopyPayload1KiBOnly() => _gossip.Payload.ToArray().Length;

    /// <summary>IHave of 64 entries into a reused byte array.</summary>
    [Benchmark]
    public int EncodeIHave64() => PlumtreeFrameCodec.Encode(_ihave, _buffer, MaxFrameSize);

    /// <summary>Whole-frame decode of an IHave of 64 entries (allocates the entry array).</summary>
    [Benchmark]
    public int DecodeIHave64() => PlumtreeFrameCodec.Decode(_ihaveBytes, MaxFrameSize).Entries.Length;

    /// <summary>Stream read of an IHave of 64 entries (allocates the entry array).</summary>
    [Benchmark]
    public int ReadIHave64FromStream()
    {
        var buffer = _ihaveSequence;
        PlumtreeFrameCodec.TryReadFrame(ref buffer, MaxFrameSize, out var frame);
        return frame.Entries.Length;
    }
}
