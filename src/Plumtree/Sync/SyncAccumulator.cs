using System.Buffers.Binary;
using System.IO.Hashing;

namespace Plumtree.Sync;

/// <summary>
/// The order-independent summary of a set of ids: the sum modulo 2^128 of a 128-bit hash of each id, and
/// the count. Sums of adjacent ranges add, so a sorted set keeps prefix sums and answers any range in O(1).
/// Ids are hashed (XxHash128 under a fixed protocol seed) before summing because raw ids are structured:
/// one generator mints consecutive ids in a millisecond, and {x+1, x+2} and {x, x+3} have equal raw sums.
/// </summary>
internal readonly record struct SyncAccumulator(UInt128 Sum, int Count)
{
    /// <summary>Fixed seed of the per-id hash (part of the protocol: both sides must use it).</summary>
    private const long ItemSeed = 0x706C_756D_7472_6565; // "plumtree"

    /// <summary>The summary of the empty set.</summary>
    public static SyncAccumulator Empty => default;

    /// <summary>The 128-bit hash of one id.</summary>
    public static UInt128 Hash(MessageId id)
    {
        Span<byte> bytes = stackalloc byte[MessageId.Size];
        id.WriteTo(bytes);
        return XxHash128.HashToUInt128(bytes, ItemSeed);
    }

    /// <summary>The summary of one id.</summary>
    public static SyncAccumulator Of(MessageId id) => new(Hash(id), 1);

    /// <summary>Union of two disjoint sets.</summary>
    public static SyncAccumulator operator +(SyncAccumulator left, SyncAccumulator right) =>
        new(left.Sum + right.Sum, left.Count + right.Count);

    /// <summary>Difference of a set and a subset of it.</summary>
    public static SyncAccumulator operator -(SyncAccumulator left, SyncAccumulator right) =>
        new(left.Sum - right.Sum, left.Count - right.Count);

    /// <summary>Union of two disjoint sets.</summary>
    public static SyncAccumulator Add(SyncAccumulator left, SyncAccumulator right) => left + right;

    /// <summary>Difference of a set and a subset of it.</summary>
    public static SyncAccumulator Subtract(SyncAccumulator left, SyncAccumulator right) => left - right;

    /// <summary>
    /// The fingerprint sent on the wire: XxHash128 of (sum, count) seeded with the round's salt, truncated to
    /// <paramref name="bytes"/> bytes. The salt changes every round, so a false match (probability 2^-8F per
    /// compared range for random sets) hides a difference for one round only; the next round re-rolls it.
    /// </summary>
    public UInt128 Fingerprint(ulong salt, int bytes)
    {
        Span<byte> buffer = stackalloc byte[20];
        BinaryPrimitives.WriteUInt128LittleEndian(buffer, Sum);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[16..], Count);
        var hash = XxHash128.HashToUInt128(buffer, unchecked((long)salt));
        return bytes >= 16 ? hash : hash & ((UInt128.One << (8 * bytes)) - 1);
    }
}
