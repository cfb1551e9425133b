namespace Plumtree.Sync;

/// <summary>
/// A <see cref="MessageId"/> as an unsigned 128-bit integer: the same order as the id (big-endian bytes,
/// time first), so reconciliation ranges are integer intervals of the id space.
/// </summary>
internal static class SyncKey
{
    /// <summary>Bits below the 48-bit millisecond timestamp.</summary>
    public const int TimeShift = 80;

    /// <summary>Largest millisecond value an id can carry (48 bits).</summary>
    public const long MaxMilliseconds = (1L << 48) - 1;

    /// <summary>The id as an integer.</summary>
    public static UInt128 Of(MessageId id) => new(id.High, id.Low);

    /// <summary>The id with this integer value.</summary>
    public static MessageId ToId(UInt128 key) => new((ulong)(key >> 64), (ulong)key);

    /// <summary>The smallest key minted at <paramref name="unixMilliseconds"/>.</summary>
    public static UInt128 AtMilliseconds(long unixMilliseconds) => (UInt128)(ulong)unixMilliseconds << TimeShift;
}
