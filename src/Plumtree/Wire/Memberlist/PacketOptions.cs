namespace Plumtree.Wire.Memberlist;

/// <summary>How <see cref="PacketCodec.DecodeDatagram"/> treats incoming datagrams.</summary>
internal sealed record PacketDecodeOptions
{
    /// <summary>Keys to decrypt with; <see langword="null"/> = encryption off.</summary>
    public Keyring? Keyring { get; init; }

    /// <summary>Go's <c>GossipVerifyIncoming</c>: when false, an undecryptable packet is read as plaintext.</summary>
    public bool VerifyIncoming { get; init; } = true;

    /// <summary>This cluster's label (empty = none); packets must carry exactly this label.</summary>
    public ReadOnlyMemory<byte> Label { get; init; }

    /// <summary>Go's <c>SkipInboundLabelCheck</c>: accept packets whatever their label.</summary>
    public bool SkipInboundLabelCheck { get; init; }
}

/// <summary>How <see cref="PacketCodec.EncodeDatagram"/> wraps an outgoing message.</summary>
internal sealed record PacketEncodeOptions
{
    /// <summary>Compress (LZW) when that makes the packet smaller (Go's <c>EnableCompression</c>).</summary>
    public bool Compress { get; init; }

    /// <summary>Add the CRC wrapper (the recipient's protocol max is ≥ 5).</summary>
    public bool Crc { get; init; }

    /// <summary>Encrypt with this keyring's primary key; <see langword="null"/> = plaintext.</summary>
    public Keyring? Keyring { get; init; }

    /// <summary>Encryption version: 1 (no padding, protocol ≥ 2) or 0 (PKCS#7 padded, protocol 1).</summary>
    public byte EncryptionVersion { get; init; } = MemberlistEncryption.CurrentVersion;

    /// <summary>Nonce source; <see langword="null"/> = <see cref="RandomNonceSource"/>.</summary>
    public INonceSource? NonceSource { get; init; }

    /// <summary>This cluster's label (empty = none): prefixed to the packet and used as GCM additional data.</summary>
    public ReadOnlyMemory<byte> Label { get; init; }
}
