using System.Text;

namespace Plumtree.Broadcast;

/// <summary>One candidate root in a Tree frame: the sender's distance to it and what it knows of its tree.</summary>
/// <param name="Root">The candidate root's member name.</param>
/// <param name="Distance">The sender's distance to the root in microseconds, or null when unreachable.</param>
/// <param name="Subtree">The largest distance to the root in the sender's subtree (itself included), microseconds, or null.</param>
/// <param name="Eccentricity">The root's eccentricity (the largest distance of any node to it) as the sender knows it, or null.</param>
/// <param name="ParentIsYou">True when the receiver is the sender's parent toward this root.</param>
/// <param name="SubtreeSum">The sum of the distances to the root in the sender's subtree (itself included), microseconds, or null.</param>
/// <param name="SubtreeCount">The number of nodes in the sender's subtree (itself included), or null.</param>
/// <param name="Mean">The mean distance of all nodes to the root as the sender knows it, microseconds, or null.</param>
internal readonly record struct SharedTreeRoute(
    string Root, long? Distance, long? Subtree, long? Eccentricity, bool ParentIsYou, long? SubtreeSum = null, long? SubtreeCount = null, long? Mean = null);

/// <summary>
/// The body of a <see cref="FrameType.Tree"/> frame (<c>docs/wire-format.md</c>, "Tree frame bodies"):
/// <code>
/// body  := flags:u8 (bit0 = echo wanted) | stamp:uvarint | echo:uvarint | hold:uvarint | count:u8 (0..16) | count × route
/// route := name_length:u8 (1..255) | name (UTF-8) | flags:u8 (bit0 = the receiver is my parent) | distance:uvarint | subtree:uvarint
///          | eccentricity:uvarint | subtree_sum:uvarint | subtree_count:uvarint | mean:uvarint
/// </code>
/// uvarint is LEB128 (7 bits a byte, low first, at most 9 bytes: 63 bits). Times are microseconds. stamp is the sender's clock
/// (any origin, never 0); echo is the last stamp the sender received from the receiver (0: none) and hold the time since
/// it arrived, so the receiver measures the round trip as its now − echo − hold. distance, subtree, eccentricity,
/// subtree_sum, subtree_count and mean are the value + 1 (0: unknown or unreachable).
/// </summary>
internal sealed class SharedTreeAdvert
{
    /// <summary>Most routes in one advert.</summary>
    public const int MaxRoutes = 16;

    private const byte EchoWanted = 0x01;
    private const byte ParentIsYouFlag = 0x01;

    /// <summary>The receiver has no round trip for the sender yet: it should answer soon.</summary>
    public bool WantEcho { get; init; }

    /// <summary>The sender's clock in microseconds (never 0).</summary>
    public long Stamp { get; init; }

    /// <summary>The receiver's last stamp the sender got (0: none).</summary>
    public long Echo { get; init; }

    /// <summary>Microseconds between the arrival of <see cref="Echo"/> and the sending of this advert.</summary>
    public long Hold { get; init; }

    /// <summary>The routes, one per candidate root.</summary>
    public IReadOnlyList<SharedTreeRoute> Routes { get; init; } = [];

    /// <summary>Encodes the advert.</summary>
    /// <exception cref="ArgumentException">Too many routes, a negative time, or an empty or too long root name.</exception>
    public byte[] Encode()
    {
        if (Routes.Count > MaxRoutes)
        {
            throw new ArgumentException($"A Tree frame carries at most {MaxRoutes} routes, not {Routes.Count}.");
        }

        var buffer = new List<byte>(16 + (Routes.Count * 24)) { WantEcho ? EchoWanted : (byte)0 };
        WriteVarint(buffer, Stamp);
        WriteVarint(buffer, Echo);
        WriteVarint(buffer, Hold);
        buffer.Add((byte)Routes.Count);
        foreach (var route in Routes)
        {
            var name = Encoding.UTF8.GetBytes(route.Root);
            if (name.Length is 0 or > 255)
            {
                throw new ArgumentException($"A root name is 1 to 255 UTF-8 bytes, not {name.Length}.");
            }

            buffer.Add((byte)name.Length);
            buffer.AddRange(name);
            buffer.Add(route.ParentIsYou ? ParentIsYouFlag : (byte)0);
            WriteVarint(buffer, route.Distance is { } d ? d + 1 : 0);
            WriteVarint(buffer, route.Subtree is { } s ? s + 1 : 0);
            WriteVarint(buffer, route.Eccentricity is { } e ? e + 1 : 0);
            WriteVarint(buffer, route.SubtreeSum is { } sum ? sum + 1 : 0);
            WriteVarint(buffer, route.SubtreeCount is { } count ? count + 1 : 0);
            WriteVarint(buffer, route.Mean is { } mean ? mean + 1 : 0);
        }

        return [.. buffer];
    }

    /// <summary>Decodes an advert, or returns null when the body is malformed (reserved bits, bad lengths, trailing bytes).</summary>
    public static SharedTreeAdvert? TryDecode(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        if (body.IsEmpty || (body[0] & ~EchoWanted) != 0)
        {
            return null;
        }

        var wantEcho = body[offset++] == EchoWanted;
        if (!TryReadVarint(body, ref offset, out var stamp) || !TryReadVarint(body, ref offset, out var echo)
            || !TryReadVarint(body, ref offset, out var hold) || offset >= body.Length)
        {
            return null;
        }

        int count = body[offset++];
        if (count > MaxRoutes)
        {
            return null;
        }

        var routes = new SharedTreeRoute[count];
        for (var i = 0; i < count; i++)
        {
            if (offset >= body.Length)
            {
                return null;
            }

            int length = body[offset++];
            if (length == 0 || offset + length + 1 > body.Length)
            {
                return null;
            }

            string name;
            try
            {
                name = new UTF8Encoding(false, true).GetString(body.Slice(offset, length));
            }
            catch (DecoderFallbackException)
            {
                return null;
            }

            offset += length;
            var flags = body[offset++];
            if ((flags & ~ParentIsYouFlag) != 0 || !TryReadVarint(body, ref offset, out var distance)
                || !TryReadVarint(body, ref offset, out var subtree) || !TryReadVarint(body, ref offset, out var eccentricity)
                || !TryReadVarint(body, ref offset, out var sum) || !TryReadVarint(body, ref offset, out var size)
                || !TryReadVarint(body, ref offset, out var mean))
            {
                return null;
            }

            routes[i] = new SharedTreeRoute(
                name, Unplus(distance), Unplus(subtree), Unplus(eccentricity), flags == ParentIsYouFlag, Unplus(sum), Unplus(size), Unplus(mean));
        }

        return offset == body.Length
            ? new SharedTreeAdvert { WantEcho = wantEcho, Stamp = stamp, Echo = echo, Hold = hold, Routes = routes }
            : null;
    }

    private static long? Unplus(long value) => value == 0 ? null : value - 1;

    private static void WriteVarint(List<byte> buffer, long value)
    {
        if (value < 0 || value == long.MaxValue)
        {
            throw new ArgumentException($"Tree frame values are 0 to 2^63 - 2, not {value}.");
        }

        var v = (ulong)value;
        while (v >= 0x80)
        {
            buffer.Add((byte)(v | 0x80));
            v >>= 7;
        }

        buffer.Add((byte)v);
    }

    /// <summary>Reads a LEB128 value of at most 63 bits.</summary>
    private static bool TryReadVarint(ReadOnlySpan<byte> body, ref int offset, out long value)
    {
        ulong result = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            if (offset >= body.Length)
            {
                value = 0;
                return false;
            }

            var b = body[offset++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(result & long.MaxValue);
                return result <= long.MaxValue;
            }
        }

        value = 0;
        return false;
    }
}
