namespace Plumtree.Wire;

/// <summary>
/// Mints <see cref="MessageId"/>s: 48-bit Unix-millisecond timestamp, then 80 bits that start random and
/// are incremented for every further id in the same millisecond (or when the clock steps back), so ids
/// from one generator are strictly increasing and ids from different generators collide only by chance
/// (2^-80 per pair minted in the same millisecond).
/// </summary>
internal sealed class MessageIdGenerator
{
    private readonly TimeProvider _time;
    private readonly Random _random;
    private long _lastMs = -1;
    private ulong _randHi; // 16 bits used
    private ulong _randLo; // 64 bits

    /// <summary>Creates a generator reading wall time from <paramref name="time"/> and seeded by <paramref name="random"/>.</summary>
    public MessageIdGenerator(TimeProvider time, Random random)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        _time = time;
        _random = random;
    }

    /// <summary>Returns a new id, strictly greater than the previous one from this generator.</summary>
    public MessageId Next()
    {
        var ms = Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds()) & 0xFFFF_FFFF_FFFF;
        if (ms > _lastMs)
        {
            _lastMs = ms;
            _randHi = (ulong)_random.Next(0, 1 << 15); // top bit kept clear so increments cannot overflow the millisecond
            _randLo = (ulong)_random.NextInt64() ^ ((ulong)_random.Next() << 32);
        }
        else
        {
            // Same millisecond, or the clock stepped back: stay on the last timestamp and count up.
            _randLo++;
            if (_randLo == 0)
            {
                _randHi++;
                if (_randHi > 0xFFFF)
                {
                    _lastMs++;
                    _randHi = 0;
                }
            }
        }

        return new MessageId(((ulong)_lastMs << 16) | _randHi, _randLo);
    }
}
