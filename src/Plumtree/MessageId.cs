using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Plumtree;

/// <summary>
/// A broadcast message identifier: 16 bytes, unique without coordination and ordered by creation time.
/// The first 6 bytes are the creation time in Unix milliseconds (big-endian), the last 10 bytes are
/// random per generator and incremented for ids minted in the same millisecond, so byte order is time order.
/// </summary>
public readonly struct MessageId : IEquatable<MessageId>, IComparable<MessageId>, ISpanFormattable
{
    /// <summary>Size of an encoded id in bytes.</summary>
    public const int Size = 16;

    private readonly ulong _hi;
    private readonly ulong _lo;

    /// <summary>Creates an id from its two big-endian halves.</summary>
    public MessageId(ulong hi, ulong lo)
    {
        _hi = hi;
        _lo = lo;
    }

    /// <summary>The all-zero id, used where a frame carries no id.</summary>
    public static MessageId Empty => default;

    /// <summary>True for <see cref="Empty"/>.</summary>
    public bool IsEmpty => _hi == 0 && _lo == 0;

    /// <summary>High 64 bits (timestamp and the first random bits).</summary>
    public ulong High => _hi;

    /// <summary>Low 64 bits.</summary>
    public ulong Low => _lo;

    /// <summary>Creation time in Unix milliseconds.</summary>
    public long UnixMilliseconds => (long)(_hi >> 16);

    /// <summary>Creation time.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);

    /// <summary>Reads an id from exactly <see cref="Size"/> bytes.</summary>
    public static MessageId Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException("A message id needs 16 bytes.", nameof(source));
        }

        return new MessageId(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));
    }

    /// <summary>Writes the id as 16 big-endian bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
    }

    /// <summary>Parses the 32-character lower- or upper-case hex form.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MessageId id)
    {
        id = default;
        if (text is null || text.Length != 32)
        {
            return false;
        }

        if (!ulong.TryParse(text.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hi)
            || !ulong.TryParse(text.AsSpan(16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var lo))
        {
            return false;
        }

        id = new MessageId(hi, lo);
        return true;
    }

    /// <summary>Parses the 32-character hex form or throws <see cref="FormatException"/>.</summary>
    public static MessageId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a 32-character hex message id.");

    /// <inheritdoc/>
    public bool Equals(MessageId other) => _hi == other._hi && _lo == other._lo;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MessageId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (_hi ^ (_lo * 0x9E3779B97F4A7C15UL)).GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(MessageId other)
    {
        var c = _hi.CompareTo(other._hi);
        return c != 0 ? c : _lo.CompareTo(other._lo);
    }

    /// <summary>32 lower-case hex characters.</summary>
    public override string ToString() => string.Create(32, this, static (span, id) => id.TryFormat(span, out _, default, null));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (destination.Length < 32)
        {
            return false;
        }

        _hi.TryFormat(destination, out _, "x16", CultureInfo.InvariantCulture);
        _lo.TryFormat(destination[16..], out _, "x16", CultureInfo.InvariantCulture);
        charsWritten = 32;
        return true;
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(MessageId left, MessageId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(MessageId left, MessageId right) => !left.Equals(right);

    /// <summary>Time order.</summary>
    public static bool operator <(MessageId left, MessageId right) => left.CompareTo(right) < 0;

    /// <summary>Time order.</summary>
    public static bool operator >(MessageId left, MessageId right) => left.CompareTo(right) > 0;

    /// <summary>Time order.</summary>
    public static bool operator <=(MessageId left, MessageId right) => left.CompareTo(right) <= 0;

    /// <summary>Time order.</summary>
    public static bool operator >=(MessageId left, MessageId right) => left.CompareTo(right) >= 0;
}
