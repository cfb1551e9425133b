using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

/// <summary>Encryption keys from options (base64 text) to the keyring both transports use.</summary>
internal static class NodeKeys
{
    /// <summary>Decodes one base64 key; false when it is not base64 or not 16, 24 or 32 bytes long.</summary>
    public static bool TryDecode(string? text, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var buffer = new byte[((text.Length + 3) / 4) * 3];
        if (!Convert.TryFromBase64String(text.Trim(), buffer, out var written) || !Keyring.IsValidKeyLength(written))
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }

    /// <summary>The keyring (first key primary), or null when no keys are configured.</summary>
    /// <exception cref="ArgumentException">A key is invalid (options should have been validated).</exception>
    public static Keyring? Build(IList<string>? keys)
    {
        if (keys is null || keys.Count == 0)
        {
            return null;
        }

        var decoded = new List<byte[]>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            if (!TryDecode(keys[i], out var key))
            {
                throw new ArgumentException($"EncryptionKeys[{i}]: must be base64 of a 16, 24 or 32 byte AES key.", nameof(keys));
            }

            decoded.Add(key);
        }

        return new Keyring(decoded[0], decoded.Skip(1));
    }

    /// <summary>Bytes encryption adds to each outgoing memberlist packet (version 1: version byte, nonce, tag).</summary>
    public static int PacketOverhead(Keyring? keyring) =>
        keyring is null ? 0 : 1 + MemberlistEncryption.NonceSize + MemberlistEncryption.TagSize;
}
