namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Value equality for the optional byte-array fields of message records. <see langword="null"/> and
/// empty are different values (Go's nil and empty slices encode differently: <c>0xc0</c> vs <c>0xa0</c>).
/// </summary>
internal static class ByteArrays
{
    /// <summary>Both null, or both non-null with the same content.</summary>
    public static bool Equal(byte[]? a, byte[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    /// <summary>A content hash consistent with <see cref="Equal"/>.</summary>
    public static int Hash(byte[]? bytes)
    {
        if (bytes is null)
        {
            return 0;
        }

        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    /// <summary>Short display: length and up to 16 hex bytes.</summary>
    public static string Show(byte[]? bytes) =>
        bytes is null
            ? "nil"
            : bytes.Length <= 16
                ? Convert.ToHexStringLower(bytes)
                : $"{Convert.ToHexStringLower(bytes.AsSpan(0, 16))}..({bytes.Length} B)";
}
