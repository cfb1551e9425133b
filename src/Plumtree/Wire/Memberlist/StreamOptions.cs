namespace Plumtree.Wire.Memberlist;

/// <summary>How a <see cref="StreamMessageReader"/> reads one stream.</summary>
internal sealed record StreamReaderOptions
{
    /// <summary>Keys to decrypt with; <see langword="null"/> = encryption off (an encrypted stream is then an error).</summary>
    public Keyring? Keyring { get; init; }

    /// <summary>Go's <c>GossipVerifyIncoming</c>: with a keyring, a plaintext stream is an error.</summary>
    public bool VerifyIncoming { get; init; } = true;

    /// <summary>
    /// This cluster's label (empty = none). On an accepted stream the label header must match it; it is
    /// also the GCM additional data after the five stream header bytes.
    /// </summary>
    public ReadOnlyMemory<byte> Label { get; init; }

    /// <summary>
    /// The stream was accepted (not dialed): it may start with a label header, which is read and checked.
    /// Replies on a dialed stream carry none.
    /// </summary>
    public bool ReadLabelHeader { get; init; }

    /// <summary>Go's <c>SkipInboundLabelCheck</c>: accept any label header (or none).</summary>
    public bool SkipInboundLabelCheck { get; init; }
}

/// <summary>How <see cref="StreamCodec.Encode"/> wraps an outgoing stream message.</summary>
internal sealed record StreamEncodeOptions
{
    /// <summary>Compress (LZW), always when enabled (no size check on streams, as in Go).</summary>
    public bool Compress { get; init; }

    /// <summary>Encrypt with this keyring's primary key; <see langword="null"/> = plaintext.</summary>
    public Keyring? Keyring { get; init; }

    /// <summary>Encryption version: 1 (no padding) or 0 (PKCS#7 padded, protocol 1).</summary>
    public byte EncryptionVersion { get; init; } = MemberlistEncryption.CurrentVersion;

    /// <summary>Nonce source; <see langword="null"/> = <see cref="RandomNonceSource"/>.</summary>
    public INonceSource? NonceSource { get; init; }

    /// <summary>This cluster's label (empty = none): GCM additional data, and the label header when <see cref="WriteLabelHeader"/>.</summary>
    public ReadOnlyMemory<byte> Label { get; init; }

    /// <summary>Prefix the label header: only the dialing side does, once per stream.</summary>
    public bool WriteLabelHeader { get; init; }
}
