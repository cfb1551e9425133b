using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Wire;

/// <summary>
/// The Plumtree stream format on the shared TCP port (<c>docs/transport.md</c>):
/// <code>
/// stream   := 'P' (0x50) | mode:u8 | record(hello) | body      (modes 0 and 1)
///           | 'P' (0x50) | 2 | TLS 1.3 handshake, then inside TLS: record(hello) | plaintext body
/// mode     := 0 plaintext | 1 sealed | 2 TLS
/// record   := length:u32 BE | payload                       (length ≤ the receiver's limit)
/// hello    := version:u8 (=1) | label_len:u8 | label | name_len:u16 BE | name (UTF-8)
/// body     := plaintext: Plumtree frames back to back (PlumtreeFrameCodec)
///           | sealed:    record*, each payload = vsn:u8 (=1) | nonce:12 | AES-GCM(frames) | tag:16
/// </code>
/// A sealed payload (the hello too) is memberlist's AES-GCM blob made with the keyring's primary key; its
/// additional data is <c>"plumtree-stream/1"</c> followed by the record's sequence number (u64 BE; the
/// hello is 0), so records cannot be reordered, dropped or spliced in from elsewhere unnoticed. A sealed
/// record holds one or more whole frames. Streams are one-way: the acceptor never writes.
/// This type is the byte format only (pure functions over spans and sequences); the sockets, pipes and queues
/// that carry it are in <c>Transport/PlumtreeStreamTransport</c>.
/// </summary>
internal static class PlumtreeStreamProtocol
{
    /// <summary>
    /// First byte of a Plumtree stream on the shared TCP port (ASCII <c>'P'</c>); also
    /// <see cref="Transport.TransportDefaults.PlumtreeStreamPrefix"/>.
    /// </summary>
    public const byte Prefix = 0x50;

    /// <summary>Version written in (and required of) the hello.</summary>
    public const byte Version = 1;

    /// <summary>Mode byte of a plaintext stream.</summary>
    public const byte ModePlain = 0;

    /// <summary>Mode byte of a sealed stream.</summary>
    public const byte ModeSealed = 1;

    /// <summary>Mode byte of a TLS stream: a TLS 1.3 handshake follows, then a plaintext hello record and frames inside TLS.</summary>
    public const byte ModeTls = 2;

    /// <summary>Longest node name a hello carries.</summary>
    public const int MaxNodeNameBytes = 1024;

    /// <summary>Longest hello payload.</summary>
    public const int MaxHelloBytes = 2 + MemberlistLimits.MaxLabelBytes + 2 + MaxNodeNameBytes;

    /// <summary>Target size of one batched write; a single larger frame goes alone.</summary>
    public const int BatchBytes = 64 * 1024;

    /// <summary>Largest frame size limit a transport may configure (and so the largest record plaintext).</summary>
    public const int MaxRecordPlaintext = 16 * 1024 * 1024;

    /// <summary>Size of a record's length field.</summary>
    public const int RecordHeaderSize = 4;

    /// <summary>Reason token: the hello is malformed.</summary>
    public const string BadHello = "bad_hello";

    private static ReadOnlySpan<byte> AadContext => "plumtree-stream/1"u8;

    /// <summary>A decoded hello.</summary>
    /// <param name="Version">The sender's stream version.</param>
    /// <param name="Label">The sender's cluster label.</param>
    /// <param name="Node">The sender's node name.</param>
    public sealed record Hello(byte Version, byte[] Label, string Node);

    /// <summary>Largest record payload a receiver with frame limit <paramref name="maxFrameSize"/> accepts.</summary>
    public static int MaxRecordPayload(int maxFrameSize, bool isSealed) =>
        isSealed ? MemberlistEncryption.EncryptedLength(MemberlistEncryption.CurrentVersion, Math.Max(BatchBytes, maxFrameSize)) : Math.Max(BatchBytes, maxFrameSize);

    /// <summary>Encodes a hello payload.</summary>
    public static byte[] EncodeHello(string node, ReadOnlySpan<byte> label)
    {
        var name = Encoding.UTF8.GetBytes(node);
        if (name.Length is 0 or > MaxNodeNameBytes || label.Length > MemberlistLimits.MaxLabelBytes)
        {
            throw new ArgumentException("Node name must be 1 to 1024 bytes and the label at most 255.", nameof(node));
        }

        var hello = new byte[2 + label.Length + 2 + name.Length];
        hello[0] = Version;
        hello[1] = (byte)label.Length;
        label.CopyTo(hello.AsSpan(2));
        BinaryPrimitives.WriteUInt16BigEndian(hello.AsSpan(2 + label.Length), (ushort)name.Length);
        name.CopyTo(hello.AsSpan(4 + label.Length));
        return hello;
    }

    /// <summary>Decodes a hello payload.</summary>
    /// <exception cref="WireDecodeException">Layer <c>plumtree</c>, reason <see cref="BadHello"/>.</exception>
    public static Hello DecodeHello(ReadOnlySpan<byte> hello)
    {
        if (hello.Length < 4)
        {
            throw BadHelloError("The hello is shorter than 4 bytes.");
        }

        var version = hello[0];
        int labelLength = hello[1];
        if (hello.Length < 4 + labelLength)
        {
            throw BadHelloError("The hello's label is cut off.");
        }

        var label = hello.Slice(2, labelLength).ToArray();
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(hello[(2 + labelLength)..]);
        var name = hello[(4 + labelLength)..];
        if (nameLength == 0 || name.Length != nameLength)
        {
            throw BadHelloError("The hello's node name is empty or its length is wrong.");
        }

        string node;
        try
        {
            node = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(name);
        }
        catch (DecoderFallbackException e)
        {
            throw new WireDecodeException(PlumtreeFrameCodec.Layer, BadHello, "The hello's node name is not UTF-8.", e);
        }

        return new Hello(version, label, node);
    }

    /// <summary>What a dialer writes first: prefix, mode and the hello record (sealed with <paramref name="sealKey"/> when given).</summary>
    public static byte[] BuildPreamble(string node, ReadOnlySpan<byte> label, byte[]? sealKey)
    {
        var hello = EncodeHello(node, label);
        var record = sealKey is null ? Record(hello) : Seal(sealKey, hello, 0);
        var preamble = new byte[2 + record.Length];
        preamble[0] = Prefix;
        preamble[1] = sealKey is null ? ModePlain : ModeSealed;
        record.CopyTo(preamble, 2);
        return preamble;
    }

    /// <summary>A plaintext record: length, payload.</summary>
    public static byte[] Record(ReadOnlySpan<byte> payload)
    {
        var record = new byte[RecordHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(record, (uint)payload.Length);
        payload.CopyTo(record.AsSpan(RecordHeaderSize));
        return record;
    }

    /// <summary>Seals <paramref name="plain"/> as record number <paramref name="sequence"/>: length, AES-GCM blob.</summary>
    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plain, ulong sequence)
    {
        Span<byte> aad = stackalloc byte[AadContext.Length + 8];
        WriteAad(aad, sequence);
        var blob = MemberlistEncryption.EncryptPacket(key, MemberlistEncryption.CurrentVersion, plain, aad);
        return Record(blob);
    }

    /// <summary>Opens the sealed payload of record number <paramref name="sequence"/> with any key of <paramref name="keyring"/>.</summary>
    /// <exception cref="WireDecodeException">Layer <c>crypto</c>: no key fits, or the blob is malformed.</exception>
    public static byte[] Open(Keyring keyring, ReadOnlySpan<byte> blob, ulong sequence)
    {
        Span<byte> aad = stackalloc byte[AadContext.Length + 8];
        WriteAad(aad, sequence);
        return MemberlistEncryption.DecryptPacket(keyring, blob, aad);
    }

    /// <summary>
    /// Reads one record from the start of <paramref name="buffer"/>: false when more bytes are needed;
    /// otherwise the payload, with <paramref name="buffer"/> moved past it.
    /// </summary>
    /// <exception cref="WireDecodeException">Layer <c>plumtree</c>, reason <c>too_large</c>: the declared length is over <paramref name="maxPayload"/>.</exception>
    public static bool TryReadRecord(ref ReadOnlySequence<byte> buffer, int maxPayload, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < RecordHeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[RecordHeaderSize];
        buffer.Slice(0, RecordHeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > (uint)maxPayload)
        {
            throw new WireDecodeException(PlumtreeFrameCodec.Layer, PlumtreeFrameCodec.Reasons.TooLarge, $"A record of {length} bytes is over the {maxPayload}-byte limit.")
            {
                FrameLength = RecordHeaderSize + (long)length,
            };
        }

        if (buffer.Length < RecordHeaderSize + length)
        {
            return false;
        }

        payload = buffer.Slice(RecordHeaderSize, length);
        buffer = buffer.Slice(RecordHeaderSize + length);
        return true;
    }

    private static void WriteAad(Span<byte> aad, ulong sequence)
    {
        AadContext.CopyTo(aad);
        BinaryPrimitives.WriteUInt64BigEndian(aad[AadContext.Length..], sequence);
    }

    private static WireDecodeException BadHelloError(string message) => new(PlumtreeFrameCodec.Layer, BadHello, message);
}
