namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The UDP packet layer: type-byte dispatch with nested compound and compress wrappers, the CRC wrapper,
/// and (in <see cref="DecodeDatagram"/>/<see cref="EncodeDatagram"/>) labels and encryption, in Go's order.
/// </summary>
internal static class PacketCodec
{
    /// <summary>
    /// Decodes a plaintext packet (after label and decryption): strips a CRC wrapper if present, then
    /// dispatches on the type byte, descending into compound and compress wrappers.
    /// </summary>
    /// <exception cref="WireDecodeException">The packet (or its only message) is malformed.</exception>
    public static DecodedPacket Decode(ReadOnlyMemory<byte> packet)
    {
        var inner = CrcWrapper.Unwrap(packet, out var hadCrc);
        var state = new DispatchState();
        Dispatch(inner, 0, state);
        return new DecodedPacket(state.Messages, state.Errors ?? (IReadOnlyList<WireDecodeException>)[], state.Truncated, hadCrc);
    }

    /// <summary>
    /// The whole receive path of a datagram: label check, decryption (when a keyring is set), CRC,
    /// dispatch.
    /// </summary>
    /// <exception cref="WireDecodeException">Wrong label, undecryptable (with verification on), or malformed.</exception>
    public static DecodedPacket DecodeDatagram(ReadOnlyMemory<byte> datagram, PacketDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rest = LabelHeader.Strip(datagram, out var label);
        if (options.SkipInboundLabelCheck)
        {
            if (label.IsEmpty)
            {
                label = options.Label;
            }
        }
        else if (!label.Span.SequenceEqual(options.Label.Span))
        {
            throw new WireDecodeException("memberlist", "label_mismatch", "Packet label does not match this cluster's label.");
        }

        if (options.Keyring is { } keyring)
        {
            try
            {
                rest = MemberlistEncryption.DecryptPacket(keyring, rest.Span, label.Span);
            }
            catch (WireDecodeException) when (!options.VerifyIncoming)
            {
                // Roll-out mode: an undecryptable packet is taken as plaintext.
            }
        }

        return Decode(rest);
    }

    /// <summary>
    /// The whole send path for one message (or an already built compound): compress if enabled and smaller,
    /// CRC if asked, encrypt if a keyring is set, then the label header.
    /// </summary>
    public static byte[] EncodeDatagram(ReadOnlySpan<byte> message, PacketEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        byte[]? buffer = null;
        if (options.Compress)
        {
            var compressed = CompressionWrapper.Wrap(message);
            if (compressed.Length < message.Length)
            {
                buffer = compressed;
            }
        }

        ReadOnlySpan<byte> current = buffer ?? message;
        if (options.Crc)
        {
            buffer = CrcWrapper.Wrap(current);
            current = buffer;
        }

        if (options.Keyring is { } keyring)
        {
            buffer = MemberlistEncryption.EncryptPacket(keyring.PrimaryKey, options.EncryptionVersion, current, options.Label.Span, options.NonceSource);
            current = buffer;
        }

        return LabelHeader.Add(options.Label.Span, current);
    }

    /// <summary>
    /// Encodes messages for one destination: a single message as itself, several as compound messages
    /// (255 parts each).
    /// </summary>
    public static IReadOnlyList<byte[]> EncodeMessages(IReadOnlyList<MemberlistMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 1)
        {
            return [MessageCodec.Encode(messages[0])];
        }

        var parts = new ReadOnlyMemory<byte>[messages.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = MessageCodec.Encode(messages[i]);
        }

        return CompoundMessage.Build(parts);
    }

    private static void Dispatch(ReadOnlyMemory<byte> message, int depth, DispatchState state)
    {
        if (message.IsEmpty)
        {
            throw new WireDecodeException("memberlist", "truncated", "Message has no type byte.");
        }

        var type = (MessageType)message.Span[0];
        var body = message[1..];
        switch (type)
        {
            case MessageType.Ping:
            case MessageType.IndirectPing:
            case MessageType.Ack:
            case MessageType.Nack:
            case MessageType.Suspect:
            case MessageType.Alive:
            case MessageType.Dead:
                state.Messages.Add(MessageCodec.DecodeBody(type, body));
                break;
            case MessageType.User:
                state.Messages.Add(new UserMessage(body.ToArray()));
                break;
            case MessageType.Compound:
                Enter(depth);
                var parts = CompoundMessage.Parse(body, out var truncated);
                state.Truncated += truncated;
                foreach (var part in parts)
                {
                    try
                    {
                        Dispatch(part, depth + 1, state);
                    }
                    catch (WireDecodeException e)
                    {
                        (state.Errors ??= []).Add(e);
                    }
                }

                break;
            case MessageType.Compress:
                Enter(depth);
                var plain = CompressionWrapper.Unwrap(body, state.DecompressBudget);
                state.DecompressBudget -= plain.Length;
                Dispatch(plain, depth + 1, state);
                break;
            case MessageType.PushPull:
            case MessageType.Encrypt:
            case MessageType.Err:
            case MessageType.HasCrc:
            case MessageType.HasLabel:
                throw new WireDecodeException("memberlist", "unsupported_type", $"Message type {type} is not valid here in a packet.");
            default:
                throw new WireDecodeException("memberlist", "unknown_type", $"Unknown message type {(byte)type}.");
        }
    }

    private static void Enter(int depth)
    {
        if (depth >= MemberlistLimits.MaxNestingDepth)
        {
            throw new WireDecodeException("memberlist", "too_deep", $"Wrappers nest deeper than {MemberlistLimits.MaxNestingDepth}.");
        }
    }

    private sealed class DispatchState
    {
        public List<MemberlistMessage> Messages { get; } = [];

        public List<WireDecodeException>? Errors { get; set; }

        public int Truncated { get; set; }

        // Shared by every nested decompression so that nested wrappers cannot multiply the output.
        public int DecompressBudget { get; set; } = MemberlistLimits.MaxDecompressedBytes;
    }
}
