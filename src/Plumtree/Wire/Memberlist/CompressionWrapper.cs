using System.Buffers;
using MessagePack;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The compress wrapper (type 9): <c>[9]</c> + msgpack <c>compress{Algo: 0, Buf: LZW(message)}</c>, where the
/// message keeps its own type byte.
/// </summary>
internal static class CompressionWrapper
{
    /// <summary>Compresses <paramref name="message"/> (type byte included) and wraps it.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> message)
    {
        var lzw = new ArrayBufferWriter<byte>(GoLzw.MaxCompressedLength(message.Length));
        GoLzw.Compress(message, lzw);
        var output = new ArrayBufferWriter<byte>(lzw.WrittenCount + 16);
        var writer = GoMsgpack.CreateWriter(output);
        writer.GetSpan(1)[0] = (byte)MessageType.Compress;
        writer.Advance(1);
        MessageBodyCodec.WriteCompress(ref writer, Compress.Lzw, lzw.WrittenSpan);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes a compress body (the bytes after type byte 9) and returns the decompressed message,
    /// at most <paramref name="maxOutput"/> bytes.
    /// </summary>
    /// <exception cref="WireDecodeException">Bad msgpack, an unknown algorithm, or bad or oversized LZW data.</exception>
    public static byte[] Unwrap(ReadOnlyMemory<byte> body, int maxOutput = MemberlistLimits.MaxDecompressedBytes)
    {
        Compress compress;
        var reader = new MessagePackReader(body);
        try
        {
            compress = MessageBodyCodec.ReadCompress(ref reader);
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e))
        {
            throw GoMsgpack.Wrap(e, "compress");
        }

        return Decompress(compress, maxOutput);
    }

    /// <summary>Decompresses a decoded <see cref="Compress"/> record.</summary>
    /// <exception cref="WireDecodeException">An unknown algorithm, or bad or oversized LZW data.</exception>
    public static byte[] Decompress(Compress compress, int maxOutput = MemberlistLimits.MaxDecompressedBytes)
    {
        if (compress.Algo != Compress.Lzw)
        {
            throw new WireDecodeException("memberlist", "unknown_compression", $"Compression algorithm {compress.Algo} is not supported.");
        }

        return GoLzw.Decompress(compress.Buf, maxOutput);
    }
}
