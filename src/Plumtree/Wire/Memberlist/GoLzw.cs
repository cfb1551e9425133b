using System.Buffers;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The LZW variant of Go's <c>compress/lzw</c> with LSB bit order and 8-bit literals, which memberlist
/// uses for its <c>compress</c> messages (memberlist-wire.md §8). Codes are 9 to 12 bits wide, packed
/// least-significant bit first; 256 = clear, 257 = end. The encoder starts with a clear code, widens
/// when the next code to assign reaches 512/1024/2048, emits a clear code and starts over when that
/// code would reach 4095, and finishes with the end code and the last partial byte. The output is
/// byte-identical to Go's.
/// </summary>
internal static class GoLzw
{
    /// <summary>Error layer of this codec.</summary>
    public const string Layer = "lzw";

    private const int LiteralWidth = 8;
    private const int ClearCode = 1 << LiteralWidth;
    private const int EndCode = ClearCode + 1;
    private const int MaxWidth = 12;
    private const int MaxCode = (1 << MaxWidth) - 1;
    private const int TableBits = 14;
    private const int TableSize = 1 << TableBits;
    private const int TableMask = TableSize - 1;

    /// <summary>The most bytes <see cref="Compress(ReadOnlySpan{byte}, IBufferWriter{byte})"/> can write for <paramref name="inputLength"/> bytes.</summary>
    public static int MaxCompressedLength(int inputLength)
    {
        // One code per input byte at most, a clear code every ≥ 3837 codes, plus the first clear, a final
        // flush of the pending code, its possible clear, and the end code; every code is ≤ 12 bits.
        var codes = (long)inputLength + (inputLength / 3000) + 5;
        return checked((int)(((codes * MaxWidth) + 7) / 8));
    }

    /// <summary>Compresses <paramref name="input"/> into a new array.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> input)
    {
        var output = new ArrayBufferWriter<byte>(MaxCompressedLength(input.Length));
        Compress(input, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Compresses <paramref name="input"/>, appending to <paramref name="output"/>.</summary>
    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var destination = output.GetSpan(MaxCompressedLength(input.Length));
        var encoder = new Encoder(destination);
        encoder.Emit(ClearCode);
        if (!input.IsEmpty)
        {
            var table = ArrayPool<uint>.Shared.Rent(TableSize);
            try
            {
                Array.Clear(table, 0, TableSize);
                encoder.EncodeAll(input, table);
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(table);
            }
        }

        encoder.Emit(EndCode);
        output.Advance(encoder.Finish());
    }

    /// <summary>Decompresses <paramref name="input"/> into a new array of at most <paramref name="maxOutput"/> bytes.</summary>
    /// <exception cref="WireDecodeException">
    /// Layer <c>lzw</c>: an invalid code, a stream without its end code, or more than <paramref name="maxOutput"/> bytes.
    /// </exception>
    public static byte[] Decompress(ReadOnlySpan<byte> input, int maxOutput = MemberlistLimits.MaxDecompressedBytes)
    {
        var prefix = ArrayPool<ushort>.Shared.Rent(MaxCode + 1);
        var suffix = ArrayPool<byte>.Shared.Rent(MaxCode + 1);
        var output = ArrayPool<byte>.Shared.Rent(Math.Clamp(input.Length * 3, 256, Math.Max(256, maxOutput)));
        Span<byte> expansion = stackalloc byte[MaxCode + 1];
        try
        {
            var written = 0;
            int width = LiteralWidth + 1, hi = EndCode, overflow = 1 << width, last = -1;
            uint bits = 0;
            int bitCount = 0, position = 0;
            while (true)
            {
                while (bitCount < width)
                {
                    if (position >= input.Length)
                    {
                        throw new WireDecodeException(Layer, "truncated", "LZW data ends without an end code.");
                    }

                    bits |= (uint)input[position++] << bitCount;
                    bitCount += 8;
                }

                var code = (int)(bits & ((1u << width) - 1));
                bits >>= width;
                bitCount -= width;

                int start;
                if (code < ClearCode)
                {
                    start = expansion.Length - 1;
                    expansion[start] = (byte)code;
                    if (last >= 0)
                    {
                        suffix[hi] = (byte)code;
                        prefix[hi] = (ushort)last;
                    }
                }
                else if (code == ClearCode)
                {
                    width = LiteralWidth + 1;
                    hi = EndCode;
                    overflow = 1 << width;
                    last = -1;
                    continue;
                }
                else if (code == EndCode)
                {
                    return output.AsSpan(0, written).ToArray();
                }
                else if (code <= hi)
                {
                    start = expansion.Length;
                    var c = code;
                    if (code == hi && last >= 0)
                    {
                        // The code being defined: the previous expansion followed by its own first byte.
                        c = last;
                        while (c >= ClearCode)
                        {
                            c = prefix[c];
                        }

                        expansion[--start] = (byte)c;
                        c = last;
                    }

                    while (c >= ClearCode)
                    {
                        expansion[--start] = suffix[c];
                        c = prefix[c];
                    }

                    expansion[--start] = (byte)c;
                    if (last >= 0)
                    {
                        suffix[hi] = (byte)c;
                        prefix[hi] = (ushort)last;
                    }
                }
                else
                {
                    throw new WireDecodeException(Layer, "invalid_code", $"LZW code {code} is not defined yet (next is {hi}).");
                }

                var piece = expansion[start..];
                if (piece.Length > maxOutput - written)
                {
                    throw new WireDecodeException(Layer, "too_large", $"LZW data expands beyond {maxOutput} bytes.");
                }

                if (written + piece.Length > output.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(maxOutput, Math.Max((long)output.Length * 2, written + piece.Length)));
                    output.AsSpan(0, written).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(output);
                    output = bigger;
                }

                piece.CopyTo(output.AsSpan(written));
                written += piece.Length;

                last = code;
                hi++;
                if (hi >= overflow)
                {
                    if (width == MaxWidth)
                    {
                        // Table full: stop defining codes until the next clear code.
                        last = -1;
                        hi--;
                    }
                    else
                    {
                        width++;
                        overflow = 1 << width;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
            ArrayPool<byte>.Shared.Return(suffix);
            ArrayPool<ushort>.Shared.Return(prefix);
        }
    }

    private ref struct Encoder(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _written;
        private ulong _bits;
        private int _bitCount;
        private int _width = LiteralWidth + 1;
        private int _hi = EndCode;
        private int _overflow = 1 << (LiteralWidth + 1);

        public void Emit(int code)
        {
            _bits |= (ulong)code << _bitCount;
            _bitCount += _width;
            while (_bitCount >= 8)
            {
                _destination[_written++] = (byte)_bits;
                _bits >>= 8;
                _bitCount -= 8;
            }
        }

        public int Finish()
        {
            if (_bitCount > 0)
            {
                _destination[_written++] = (byte)_bits;
                _bits = 0;
                _bitCount = 0;
            }

            return _written;
        }

        public void EncodeAll(ReadOnlySpan<byte> input, uint[] table)
        {
            // table entries: (prefixCode << 8 | byte) << 12 | code; 0 = empty (no valid entry is 0).
            var code = (uint)input[0];
            for (var i = 1; i < input.Length; i++)
            {
                var literal = input[i];
                var key = (code << 8) | literal;
                var slot = (int)(((key >> 12) ^ key) & TableMask);
                var found = false;
                for (var entry = table[slot]; entry != 0; entry = table[slot])
                {
                    if (entry >> 12 == key)
                    {
                        code = entry & MaxCode;
                        found = true;
                        break;
                    }

                    slot = (slot + 1) & TableMask;
                }

                if (found)
                {
                    continue;
                }

                Emit((int)code);
                code = literal;
                if (NextCode(table))
                {
                    table[slot] = (key << 12) | (uint)_hi;
                }
            }

            Emit((int)code);
            NextCode(table);
        }

        // Advances the next code to assign; at 4095 emits a clear code, resets, and returns false.
        private bool NextCode(uint[] table)
        {
            _hi++;
            if (_hi == _overflow)
            {
                _width++;
                _overflow <<= 1;
            }

            if (_hi != MaxCode)
            {
                return true;
            }

            Emit(ClearCode);
            _width = LiteralWidth + 1;
            _hi = EndCode;
            _overflow = 1 << (LiteralWidth + 1);
            Array.Clear(table, 0, TableSize);
            return false;
        }
    }
}
