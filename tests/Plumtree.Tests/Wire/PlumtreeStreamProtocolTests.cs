using System.Buffers;
using Plumtree.Transport;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire;

/// <summary>The Plumtree stream preamble, hello and record format (<c>docs/transport.md</c>), byte for byte.</summary>
public sealed class PlumtreeStreamProtocolTests
{
    [Fact]
    public void A_plaintext_preamble_is_prefix_mode_and_the_hello_record_byte_for_byte()
    {
        var preamble = PlumtreeStreamProtocol.BuildPreamble("ab", "L"u8, sealKey: null);

        // 'P', plaintext, record length 7, hello: version 1, label "L", name "ab".
        Assert.Equal(new byte[] { 0x50, 0, 0, 0, 0, 7, 1, 1, (byte)'L', 0, 2, (byte)'a', (byte)'b' }, preamble);
        Assert.Equal(TransportDefaults.PlumtreeStreamPrefix, preamble[0]);
    }

    [Fact]
    public void A_hello_round_trips_with_label_and_a_non_ascii_name()
    {
        var hello = PlumtreeStreamProtocol.DecodeHello(PlumtreeStreamProtocol.EncodeHello("nœud-7", "prod"u8));

        Assert.Equal(PlumtreeStreamProtocol.Version, hello.Version);
        Assert.Equal("prod"u8.ToArray(), hello.Label);
        Assert.Equal("nœud-7", hello.Node);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0 })] // shorter than 4 bytes
    [InlineData(new byte[] { 1, 5, (byte)'a', 0, 1 })] // label cut off
    [InlineData(new byte[] { 1, 0, 0, 0 })] // empty name
    [InlineData(new byte[] { 1, 0, 0, 3, (byte)'a', (byte)'b' })] // name length wrong
    [InlineData(new byte[] { 1, 0, 0, 1, 0xFF })] // name not UTF-8
    public void A_malformed_hello_is_a_bad_hello_decode_error(byte[] hello)
    {
        var error = Assert.Throws<WireDecodeException>(() => PlumtreeStreamProtocol.DecodeHello(hello));

        Assert.Equal(PlumtreeStreamProtocol.BadHello, error.Reason);
    }

    [Fact]
    public void Records_are_read_whole_one_at_a_time_and_an_oversized_length_is_refused()
    {
        var bytes = new ReadOnlySequence<byte>([.. PlumtreeStreamProtocol.Record([1, 2, 3]), .. PlumtreeStreamProtocol.Record([4])]);

        var partial = bytes.Slice(0, 5);
        Assert.False(PlumtreeStreamProtocol.TryReadRecord(ref partial, 16, out _));
        Assert.True(PlumtreeStreamProtocol.TryReadRecord(ref bytes, 16, out var first));
        Assert.True(PlumtreeStreamProtocol.TryReadRecord(ref bytes, 16, out var second));
        Assert.Equal(new byte[] { 1, 2, 3 }, first.ToArray());
        Assert.Equal(new byte[] { 4 }, second.ToArray());
        Assert.True(bytes.IsEmpty);

        var big = new ReadOnlySequence<byte>(PlumtreeStreamProtocol.Record(new byte[17]));
        Assert.Throws<WireDecodeException>(() => PlumtreeStreamProtocol.TryReadRecord(ref big, 16, out _));
    }

    [Fact]
    public void A_sealed_record_opens_only_at_its_own_sequence_number()
    {
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var record = new ReadOnlySequence<byte>(PlumtreeStreamProtocol.Seal(key, "frames"u8, sequence: 3));
        Assert.True(PlumtreeStreamProtocol.TryReadRecord(ref record, 1024, out var blob));
        var keyring = new Keyring(key);

        Assert.Equal("frames"u8.ToArray(), PlumtreeStreamProtocol.Open(keyring, blob.ToArray(), 3));
        Assert.Throws<WireDecodeException>(() => PlumtreeStreamProtocol.Open(keyring, blob.ToArray(), 4));
    }
}
