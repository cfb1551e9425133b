using Plumtree.Node;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Keys;

/// <summary>The outcome of applying a key command to a keyring.</summary>
/// <param name="Keyring">The keyring after the command (the same object when nothing changed or it failed).</param>
/// <param name="Error">Why it failed (the keyring is unchanged), or null.</param>
/// <param name="Changed">True when the keyring is a new one (persist it and hand it to the transports).</param>
internal readonly record struct KeyringChange(Keyring? Keyring, string? Error, bool Changed);

/// <summary>The rules of <c>serf keys</c>, applied to one node's keyring (pure: no I/O).</summary>
internal static class KeyringRules
{
    /// <summary>The error on a node without a keyring.</summary>
    public const string EncryptionNotEnabled = "encryption is not enabled on this node (no keyring): configure EncryptionKeys to use key commands";

    /// <summary>Applies <paramref name="operation"/> with <paramref name="key"/> to <paramref name="keyring"/>.</summary>
    public static KeyringChange Apply(Keyring? keyring, KeyOperation operation, ReadOnlySpan<byte> key)
    {
        if (keyring is null)
        {
            return new KeyringChange(null, EncryptionNotEnabled, false);
        }

        if (operation != KeyOperation.List && !Keyring.IsValidKeyLength(key.Length))
        {
            return new KeyringChange(keyring, $"a key must be 16, 24 or 32 bytes (AES-128/192/256), not {key.Length}", false);
        }

        switch (operation)
        {
            case KeyOperation.List:
                return new KeyringChange(keyring, null, false);
            case KeyOperation.Install:
                var installed = keyring.Install(key);
                return new KeyringChange(installed, null, !ReferenceEquals(installed, keyring));
            case KeyOperation.Use:
                if (!Holds(keyring, key))
                {
                    return new KeyringChange(keyring, "the key is not installed (install it first)", false);
                }

                var used = keyring.Use(key);
                return new KeyringChange(used, null, !ReferenceEquals(used, keyring));
            case KeyOperation.Remove:
                if (keyring.PrimaryKey.AsSpan().SequenceEqual(key))
                {
                    return new KeyringChange(keyring, "cannot remove the primary key (use another key first)", false);
                }

                var removed = keyring.Remove(key);
                return new KeyringChange(removed, null, !ReferenceEquals(removed, keyring));
            default:
                return new KeyringChange(keyring, $"unknown key operation {operation}", false);
        }
    }

    private static bool Holds(Keyring keyring, ReadOnlySpan<byte> key)
    {
        foreach (var held in keyring.Keys)
        {
            if (key.SequenceEqual(held))
            {
                return true;
            }
        }

        return false;
    }
}
