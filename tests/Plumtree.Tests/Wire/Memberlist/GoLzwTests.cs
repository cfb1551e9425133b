using System.Text;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

public sealed class GoLzwTests
{
    // Outputs of Go's compress/lzw (LSB, literal width 8) for these inputs.
    [Theory]
    [InlineData("", "000302")]
    [InlineData("a", "00c30404")]
    [InlineData("TOBEORNOTTOBEORTOBEORNOT", "00a93c1152e48914274fa80824687061c183090302")]
    public void Small_inputs_compress_exactly_as_go_does(string text, string goHex)
    {
        var input = Encoding.ASCII.GetBytes(text);
        Assert.Equal(Convert.FromHexString(goHex), GoLzw.Compress(input));
        Assert.Equal(input, GoLzw.Decompress(Convert.FromHexString(goHex)));
    }

    [Fact]
    public void Data_without_the_end_code_is_refused()
    {
        var compressed = GoLzw.Compress("hello hello hello"u8);
        var error = Assert.Throws<WireDecodeException>(() => GoLzw.Decompress(compressed.AsSpan(0, compressed.Length - 2)));
        Assert.Equal(("lzw", "truncated"), (error.Layer, error.Reason));
    }

    [Fact]
    public void A_code_not_yet_defined_is_refused()
    {
        // Clear (256) then code 300 at 9 bits: 300 is beyond the next code to define.
        var bits = 256 | (300 << 9);
        var error = Assert.Throws<WireDecodeException>(() => GoLzw.Decompress([(byte)bits, (byte)(bits >> 8), (byte)(bits >> 16)]));
        Assert.Equal("invalid_code", error.Reason);
    }

    [Fact]
    public void Output_beyond_the_limit_is_refused_before_it_is_produced()
    {
        var compressed = GoLzw.Compress(new byte[100_000]);
        Assert.Equal(100_000, GoLzw.Decompress(compressed, 100_000).Length);
        var error = Assert.Throws<WireDecodeException>(() => GoLzw.Decompress(compressed, 99_999));
        Assert.Equal("too_large", error.Reason);
    }

    [Fact]
    public void Bytes_after_the_end_code_are_ignored()
    {
        var compressed = GoLzw.Compress("abc"u8);
        Assert.Equal("abc"u8.ToArray(), GoLzw.Decompress([.. compressed, 0xff, 0x00]));
    }

    [Fact]
    public void Highly_repetitive_data_shrinks_and_random_data_stays_within_the_bound()
    {
        Assert.True(GoLzw.Compress(new byte[1 << 20]).Length < 8 * 1024);
        var random = new byte[50_000];
        new Random(5).NextBytes(random);
        var compressed = GoLzw.Compress(random);
        Assert.InRange(compressed.Length, random.Length, GoLzw.MaxCompressedLength(random.Length));
        Assert.Equal(random, GoLzw.Decompress(compressed));
    }
}
