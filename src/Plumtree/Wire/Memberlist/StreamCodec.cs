namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Encodes one TCP stream message with its wrappers, outermost first: label header (dialer only),
/// <c>[10][len]</c> encryption, <c>[9]</c> compression, the message.
/// </summary>
internal static class StreamCodec
{
    /// <summary>Encodes <paramref name="message"/> for a stream.</summary>
    public static byte[] Encode(MemberlistMessage message, StreamEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bytes = MessageCodec.Encode(message, MemberlistChannel.Stream);
        if (options.Compress)
        {
            bytes = CompressionWrapper.Wrap(bytes);
        }

        if (options.Keyring is { } keyring)
        {
            bytes = MemberlistEncryption.EncryptStream(keyring.PrimaryKey, options.EncryptionVersion, bytes, options.Label.Span, options.NonceSource);
        }

        return options.WriteLabelHeader ? LabelHeader.Add(options.Label.Span, bytes) : bytes;
    }
}
