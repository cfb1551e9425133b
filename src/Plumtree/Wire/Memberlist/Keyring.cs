namespace Plumtree.Wire.Memberlist;

/// <summary>
/// An immutable memberlist keyring: AES keys of 16, 24 or 32 bytes; the first is the primary key used to
/// encrypt, and every key is tried when decrypting (memberlist-wire.md §7). Changes give a new keyring.
/// </summary>
internal sealed class Keyring
{
    private readonly byte[][] _keys;

    /// <summary>Creates a keyring; <paramref name="primary"/> first, then the other keys (duplicates dropped).</summary>
    /// <exception cref="ArgumentException">A key that is not 16, 24 or 32 bytes long.</exception>
    public Keyring(ReadOnlySpan<byte> primary, params IEnumerable<byte[]> others)
    {
        ArgumentNullException.ThrowIfNull(others);
        Validate(primary);
        var keys = new List<byte[]> { primary.ToArray() };
        foreach (var key in others)
        {
            Validate(key);
            if (!keys.Exists(k => k.AsSpan().SequenceEqual(key)))
            {
                keys.Add(key.ToArray());
            }
        }

        _keys = [.. keys];
    }

    private Keyring(byte[][] keys) => _keys = keys;

    /// <summary>All keys, the primary first. Treat them as read-only.</summary>
    public IReadOnlyList<byte[]> Keys => _keys;

    /// <summary>The key used to encrypt.</summary>
    public byte[] PrimaryKey => _keys[0];

    /// <summary>Whether <paramref name="length"/> is a valid AES key size (16, 24 or 32 bytes).</summary>
    public static bool IsValidKeyLength(int length) => length is 16 or 24 or 32;

    /// <summary>Adds a secondary key (a no-op when it is already installed).</summary>
    public Keyring Install(ReadOnlySpan<byte> key)
    {
        Validate(key);
        return IndexOf(key) >= 0 ? this : new Keyring([.. _keys, key.ToArray()]);
    }

    /// <summary>Makes an installed key the primary one.</summary>
    /// <exception cref="ArgumentException">The key is not installed.</exception>
    public Keyring Use(ReadOnlySpan<byte> key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            throw new ArgumentException("The key is not installed.", nameof(key));
        }

        if (index == 0)
        {
            return this;
        }

        var keys = new List<byte[]>(_keys);
        var chosen = keys[index];
        keys.RemoveAt(index);
        keys.Insert(0, chosen);
        return new Keyring([.. keys]);
    }

    /// <summary>Removes a secondary key (a no-op when it is not installed).</summary>
    /// <exception cref="InvalidOperationException">Removing the primary key.</exception>
    public Keyring Remove(ReadOnlySpan<byte> key)
    {
        var index = IndexOf(key);
        if (index == 0)
        {
            throw new InvalidOperationException("The primary key cannot be removed.");
        }

        if (index < 0)
        {
            return this;
        }

        var keys = new List<byte[]>(_keys);
        keys.RemoveAt(index);
        return new Keyring([.. keys]);
    }

    private int IndexOf(ReadOnlySpan<byte> key)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (key.SequenceEqual(_keys[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Validate(ReadOnlySpan<byte> key)
    {
        if (!IsValidKeyLength(key.Length))
        {
            throw new ArgumentException($"Keys must be 16, 24 or 32 bytes (AES-128/192/256), not {key.Length}.", nameof(key));
        }
    }
}
