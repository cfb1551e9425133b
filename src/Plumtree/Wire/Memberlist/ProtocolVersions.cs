namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The six-byte <c>Vsn</c> carried in alive messages and push/pull node states:
/// <c>[ProtocolMin, ProtocolMax, ProtocolCurrent, DelegateMin, DelegateMax, DelegateCurrent]</c>.
/// </summary>
internal readonly record struct ProtocolVersions(
    byte ProtocolMin,
    byte ProtocolMax,
    byte ProtocolCurrent,
    byte DelegateMin,
    byte DelegateMax,
    byte DelegateCurrent)
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 6;

    /// <summary>What a plain Go memberlist node advertises: protocol 1..5 speaking 2, delegate 0/0/0.</summary>
    public static ProtocolVersions PlainMemberlist => new(1, 5, 2, 0, 0, 0);

    /// <summary>What a serf library node advertises: protocol 1..5 speaking 2, delegate 2..5 speaking 4.</summary>
    public static ProtocolVersions Serf => new(1, 5, 2, 2, 5, 4);

    /// <summary>Reads the first six bytes of <paramref name="bytes"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than six bytes.</exception>
    public static ProtocolVersions Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
        {
            throw new ArgumentException($"Vsn needs {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        return new(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
    }

    /// <summary>Writes the six bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[5] = DelegateCurrent;
        destination[0] = ProtocolMin;
        destination[1] = ProtocolMax;
        destination[2] = ProtocolCurrent;
        destination[3] = DelegateMin;
        destination[4] = DelegateMax;
    }

    /// <summary>The six bytes as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"[{ProtocolMin},{ProtocolMax},{ProtocolCurrent},{DelegateMin},{DelegateMax},{DelegateCurrent}]";
}
