using BenchmarkDotNet.Attributes;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Benchmarks;

/// <summary>The memberlist wire codec: message bodies, compound packets, LZW.</summary>
[MemoryDiagnoser]
public class MemberlistCodecBenchmarks
{
    private Alive _alive = null!;
    private Ping _ping = null!;
    private byte[] _aliveBytes = null!;
    private byte[] _pingBytes = null!;
    private MemberlistMessage[] _five = null!;
    private byte[] _compoundBytes = null!;
    private byte[] _kib = null!;
    private byte[] _kibLzw = null!;

    [GlobalSetup]
    public void Setup()
    {
        _alive = new Alive(42, "node-17.example", [10, 0, 0, 17], 7946, [0xff, 0x81, 0xa2, 0x70, 0x74, 0xa1, 0x31], ProtocolVersions.Serf);
        _ping = new Ping(123_456, "node-18.example", [10, 0, 0, 17], 7946, "node-17.example");
        _aliveBytes = MessageCodec.Encode(_alive);
        _pingBytes = MessageCodec.Encode(_ping);
        _five =
        [
            _ping,
            _alive,
            new Suspect(3, "node-3", "node-17.example"),
            new Dead(9, "node-9", "node-9"),
            new UserMessage(new byte[64]),
        ];
        _compoundBytes = PacketCodec.EncodeMessages(_five)[0];

        // 1 KiB of gossip-like text: repetitive but not trivial.
        var random = new Random(1);
        _kib = new byte[1024];
        for (var i = 0; i < _kib.Length; i++)
        {
            _kib[i] = (byte)"node-alive-suspect-dead-0123456789"[random.Next(34)];
        }

        _kibLzw = GoLzw.Compress(_kib);
    }

    [Benchmark]
    public byte[] EncodeAlive() => MessageCodec.Encode(_alive);

    [Benchmark]
    public object DecodeAlive() => PacketCodec.Decode(_aliveBytes);

    [Benchmark]
    public byte[] EncodePing() => MessageCodec.Encode(_ping);

    [Benchmark]
    public object DecodePing() => PacketCodec.Decode(_pingBytes);

    [Benchmark]
    public IReadOnlyList<byte[]> EncodeCompoundOf5() => PacketCodec.EncodeMessages(_five);

    [Benchmark]
    public object DecodeCompoundOf5() => PacketCodec.Decode(_compoundBytes);

    [Benchmark]
    public byte[] LzwCompress1KiB() => GoLzw.Compress(_kib);

    [Benchmark]
    public byte[] LzwDecompress1KiB() => GoLzw.Decompress(_kibLzw);
}
