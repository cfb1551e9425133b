using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Incremental reader of one memberlist TCP stream message (plaintext streams have no length prefix:
/// memberlist-wire.md §6). Feed it what has arrived so far; it consumes what it can, keeps partial
/// progress (node states already read) and either says "need more" or yields the complete message:
/// push/pull, user message, ping, ack or err, plain or inside the compress and encrypt wrappers.
/// Limits are checked before anything is allocated for them. One reader per stream; after a
/// <see cref="WireDecodeException"/> the stream is unusable.
/// </summary>
/// <remarks>Typical use with a pipe: <c>reader.TryRead(ref buffer, out var msg)</c>, then
/// <c>pipe.AdvanceTo(buffer.Start, buffer.End)</c>.</remarks>
internal sealed class StreamMessageReader
{
    private readonly StreamReaderOptions _options;
    private bool _labelDone;
    private ReadOnlyMemory<byte> _label;
    private PlainMessageParser? _parser;

    /// <summary>Creates a reader for one stream.</summary>
    public StreamMessageReader(StreamReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _labelDone = !options.ReadLabelHeader;
        _label = options.Label;
    }

    /// <summary>The stream's label: read from its header on accepted streams, else the configured one.</summary>
    public ReadOnlyMemory<byte> Label => _label;

    /// <summary>
    /// Tries to read the message. <paramref name="buffer"/> is advanced past everything consumed (also
    /// when returning false: partial progress is kept in the reader).
    /// </summary>
    /// <returns>True with the message, or false when more bytes are needed.</returns>
    /// <exception cref="WireDecodeException">Malformed, over a limit, wrong label, or encryption mismatch.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MemberlistMessage? message)
    {
        try
        {
            return TryReadCore(ref buffer, out message);
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e))
        {
            throw GoMsgpack.Wrap(e, "stream");
        }
    }

    /// <summary>Reads a complete stream message from <paramref name="bytes"/>; an incomplete one is an error.</summary>
    /// <exception cref="WireDecodeException">Malformed or incomplete.</exception>
    public static MemberlistMessage ReadComplete(ReadOnlyMemory<byte> bytes, StreamReaderOptions options)
    {
        var reader = new StreamMessageReader(options);
        var buffer = new ReadOnlySequence<byte>(bytes);
        return reader.TryRead(ref buffer, out var message)
            ? message
            : throw new WireDecodeException("memberlist", "truncated", "Stream message is incomplete.");
    }

    private bool TryReadCore(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MemberlistMessage? message)
    {
        message = null;
        if (!_labelDone && !TryReadLabel(ref buffer))
        {
            return false;
        }

        if (_parser is null)
        {
            if (buffer.IsEmpty)
            {
                return false;
            }

            var type = (MessageType)buffer.FirstSpan[0];
            if (type == MessageType.Encrypt)
            {
                return TryReadEncrypted(ref buffer, out message);
            }

            if (_options.Keyring is not null && _options.VerifyIncoming)
            {
                throw new WireDecodeException(MemberlistEncryption.Layer, "not_encrypted", "Encryption is configured but remote state is not encrypted.");
            }

            if (type == MessageType.Compress)
            {
                return TryReadCompressed(ref buffer, out message);
            }

            _parser = new PlainMessageParser();
        }

        if (!_parser.TryParse(ref buffer, out message))
        {
            return false;
        }

        _parser = null;
        return true;
    }

    private bool TryReadLabel(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return false;
        }

        var label = ReadOnlyMemory<byte>.Empty;
        if (buffer.FirstSpan[0] == (byte)MessageType.HasLabel)
        {
            Span<byte> lengthByte = stackalloc byte[2];
            if (buffer.Length < 2)
            {
                return false;
            }

            buffer.Slice(0, 2).CopyTo(lengthByte);
            int length = lengthByte[1];
            if (length == 0)
            {
                throw new WireDecodeException("memberlist", "bad_label", "Label header present with an empty label.");
            }

            if (buffer.Length < 2 + length)
            {
                return false;
            }

            label = buffer.Slice(2, length).ToArray();
            buffer = buffer.Slice(2 + length);
        }

        if (_options.SkipInboundLabelCheck)
        {
            _label = label.IsEmpty ? _options.Label : label;
        }
        else if (!label.Span.SequenceEqual(_options.Label.Span))
        {
            throw new WireDecodeException("memberlist", "label_mismatch", "Stream label does not match this cluster's label.");
        }

        _labelDone = true;
        return true;
    }

    private bool TryReadEncrypted(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MemberlistMessage? message)
    {
        message = null;
        if (_options.Keyring is not { } keyring)
        {
            throw new WireDecodeException(MemberlistEncryption.Layer, "not_configured", "Remote state is encrypted and encryption is not configured.");
        }

        if (buffer.Length < MemberlistEncryption.StreamHeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[MemberlistEncryption.StreamHeaderSize];
        buffer.Slice(0, MemberlistEncryption.StreamHeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > MemberlistLimits.MaxEncryptedStreamBytes)
        {
            throw new WireDecodeException("memberlist", "too_large", $"Encrypted stream of {length} bytes exceeds the {MemberlistLimits.MaxEncryptedStreamBytes}-byte limit.");
        }

        if (buffer.Length - MemberlistEncryption.StreamHeaderSize < length)
        {
            return false;
        }

        var blob = buffer.Slice(MemberlistEncryption.StreamHeaderSize, length).ToArray();
        var plain = MemberlistEncryption.DecryptStream(keyring, header, blob, _label.Span);
        buffer = buffer.Slice(MemberlistEncryption.StreamHeaderSize + length);
        message = ParseInner(plain, allowCompress: true);
        return true;
    }

    private static bool TryReadCompressed(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MemberlistMessage? message)
    {
        message = null;
        var body = buffer.Slice(1);
        if (!MsgpackScanner.TryMeasure(body, MemberlistLimits.MaxUserStateBytes + 64, out var length))
        {
            return false;
        }

        var plain = CompressionWrapper.Unwrap(body.Slice(0, length).ToArray());
        buffer = buffer.Slice(1 + length);
        message = ParseInner(plain, allowCompress: false);
        return true;
    }

    // A decrypted or decompressed buffer holds exactly one message (trailing bytes are ignored, as in Go).
    private static MemberlistMessage ParseInner(byte[] plain, bool allowCompress)
    {
        var buffer = new ReadOnlySequence<byte>(plain);
        if (plain.Length > 0 && plain[0] == (byte)MessageType.Compress)
        {
            if (!allowCompress)
            {
                throw new WireDecodeException("memberlist", "unsupported_type", "A compressed stream message may not contain another compress wrapper.");
            }

            return TryReadCompressed(ref buffer, out var decompressed)
                ? decompressed
                : throw new WireDecodeException("memberlist", "truncated", "Compressed stream message is incomplete.");
        }

        return new PlainMessageParser().TryParse(ref buffer, out var message)
            ? message
            : throw new WireDecodeException("memberlist", "truncated", "Stream message is incomplete.");
    }
}
