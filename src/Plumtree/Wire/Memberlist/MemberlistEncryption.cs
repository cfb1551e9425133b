using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// memberlist's AES-GCM encryption (memberlist-wire.md §7). Blob: <c>[vsn][nonce: 12][ciphertext][tag: 16]</c>;
/// vsn 1 encrypts the message as is, vsn 0 (protocol version 1 speakers) PKCS#7-pads it to 16 bytes first.
/// UDP: the whole datagram is the blob, with the label (if any) as additional data. TCP:
/// <c>[10][u32 BE blob length][blob]</c> with those five bytes (plus the label) as additional data.
/// Decryption tries every key of the keyring.
/// </summary>
internal static class MemberlistEncryption
{
    /// <summary>Error layer of this codec.</summary>
    public const string Layer = "crypto";

    /// <summary>The version sent by protocol ≥ 2 speakers: no padding.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Highest version understood.</summary>
    public const byte MaxVersion = 1;

    /// <summary>Nonce size.</summary>
    public const int NonceSize = 12;

    /// <summary>GCM tag size.</summary>
    public const int TagSize = 16;

    /// <summary>Header of an encrypted stream message: type byte and 4-byte length.</summary>
    public const int StreamHeaderSize = 5;

    private const int BlockSize = 16;

    /// <summary>Size of the blob for a <paramref name="plainLength"/>-byte message with version <paramref name="version"/>.</summary>
    public static int EncryptedLength(byte version, int plainLength)
    {
        var padded = version == 0 ? plainLength + (BlockSize - (plainLength % BlockSize)) : plainLength;
        return 1 + NonceSize + padded + TagSize;
    }

    /// <summary>Encrypts a packet (the whole datagram) with <paramref name="key"/>; <paramref name="label"/> is the additional data.</summary>
    public static byte[] EncryptPacket(ReadOnlySpan<byte> key, byte version, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> label, INonceSource? nonces = null)
    {
        var blob = new byte[EncryptedLength(version, plain.Length)];
        Encrypt(key, version, plain, label, nonces ?? RandomNonceSource.Instance, blob);
        return blob;
    }

    /// <summary>Decrypts a packet blob with every key in turn.</summary>
    /// <exception cref="WireDecodeException">Layer crypto: too short, unknown version, bad padding, or no key fits.</exception>
    public static byte[] DecryptPacket(Keyring keyring, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> label) => Decrypt(keyring, blob, label);

    /// <summary>
    /// Encrypts a stream message: <c>[10][u32 BE length][blob]</c>; the five header bytes followed by
    /// <paramref name="label"/> are the additional data.
    /// </summary>
    public static byte[] EncryptStream(ReadOnlySpan<byte> key, byte version, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> label, INonceSource? nonces = null)
    {
        var blobLength = EncryptedLength(version, plain.Length);
        var buffer = new byte[StreamHeaderSize + blobLength];
        buffer[0] = (byte)MessageType.Encrypt;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), (uint)blobLength);
        var aad = StreamAad(buffer.AsSpan(0, StreamHeaderSize), label);
        Encrypt(key, version, plain, aad, nonces ?? RandomNonceSource.Instance, buffer.AsSpan(StreamHeaderSize));
        return buffer;
    }

    /// <summary>
    /// Decrypts the blob of a stream message whose five header bytes were <paramref name="header"/>.
    /// </summary>
    /// <exception cref="WireDecodeException">Layer crypto: too short, unknown version, bad padding, or no key fits.</exception>
    public static byte[] DecryptStream(Keyring keyring, ReadOnlySpan<byte> header, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> label) =>
        Decrypt(keyring, blob, StreamAad(header, label));

    private static byte[] StreamAad(ReadOnlySpan<byte> header, ReadOnlySpan<byte> label)
    {
        var aad = new byte[StreamHeaderSize + label.Length];
        header[..StreamHeaderSize].CopyTo(aad);
        label.CopyTo(aad.AsSpan(StreamHeaderSize));
        return aad;
    }

    private static void Encrypt(ReadOnlySpan<byte> key, byte version, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> aad, INonceSource nonces, Span<byte> blob)
    {
        if (version > MaxVersion)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Encryption version must be 0 or 1.");
        }

        if (!Keyring.IsValidKeyLength(key.Length))
        {
            throw new ArgumentException($"Keys must be 16, 24 or 32 bytes, not {key.Length}.", nameof(key));
        }

        blob[0] = version;
        var nonce = blob.Slice(1, NonceSize);
        nonces.Fill(nonce);
        var body = blob[(1 + NonceSize)..^TagSize];
        var tag = blob[^TagSize..];

        byte[]? padded = null;
        if (version == 0)
        {
            padded = new byte[body.Length];
            plain.CopyTo(padded);
            padded.AsSpan(plain.Length).Fill((byte)(padded.Length - plain.Length));
            plain = padded;
        }

        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, body, tag, aad);
    }

    private static byte[] Decrypt(Keyring keyring, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> aad)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        if (blob.IsEmpty)
        {
            throw new WireDecodeException(Layer, "truncated", "Cannot decrypt an empty payload.");
        }

        var version = blob[0];
        if (version > MaxVersion)
        {
            throw new WireDecodeException(Layer, "bad_version", $"Unsupported encryption version {version}.");
        }

        if (blob.Length < EncryptedLength(version, 0))
        {
            throw new WireDecodeException(Layer, "truncated", $"Payload of {blob.Length} bytes is too small to decrypt.");
        }

        var nonce = blob.Slice(1, NonceSize);
        var body = blob[(1 + NonceSize)..^TagSize];
        var tag = blob[^TagSize..];
        var plain = new byte[body.Length];
        foreach (var key in keyring.Keys)
        {
            using var aes = new AesGcm(key, TagSize);
            try
            {
                aes.Decrypt(nonce, body, tag, plain, aad);
            }
            catch (AuthenticationTagMismatchException)
            {
                continue;
            }

            return version == 0 ? Unpad(plain) : plain;
        }

        throw new WireDecodeException(Layer, "no_key", "No installed key could decrypt the message.");
    }

    private static byte[] Unpad(byte[] plain)
    {
        var pad = plain.Length == 0 ? 0 : plain[^1];
        if (pad is 0 or > BlockSize || pad > plain.Length)
        {
            throw new WireDecodeException(Layer, "bad_padding", $"Invalid PKCS#7 padding byte {pad}.");
        }

        return plain.AsSpan(0, plain.Length - pad).ToArray();
    }
}
