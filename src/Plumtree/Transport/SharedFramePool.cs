using System.Numerics;

namespace Plumtree.Transport;

/// <summary>
/// The stream transport's own pool of <see cref="SharedFrame"/> buffers. <c>ArrayPool&lt;byte&gt;.Shared</c> was
/// tried and lost (docs/broadcast.md): in a burst it misses and a miss rounds a 1,060-byte frame up to 2 KiB.
/// Here a miss allocates the exact length, and buffers are kept in classes of eight per power of two by
/// capacity, so frames of one size (the usual case) find their own buffers again, and a buffer from the next
/// class always fits. Each class keeps at most 1,024 buffers and about 2 MiB (a full default peer queue of one frame size); what does not fit is left to
/// the GC, as are frames over <see cref="MaxPooledLength"/>. Thread-safe (one lock; renting and returning
/// happen on different threads).
/// </summary>
internal sealed class SharedFramePool
{
    /// <summary>Frames longer than this are allocated exactly and never pooled.</summary>
    public const int MaxPooledLength = 128 * 1024;

    private const int RetainedBytesPerClass = 2 * 1024 * 1024;
    private const int MaxRetainedPerClass = 1024;
    private static readonly int ClassCount = ClassOf(MaxPooledLength) + 2;

    private readonly Lock _lock = new();
    private readonly SharedFrame[]?[] _classes = new SharedFrame[ClassCount][];
    private readonly int[] _counts = new int[ClassCount];
    private long _rented;
    private long _returned;
    private long _allocated;

    /// <summary>Frames rented and not yet returned (their last reference not yet released).</summary>
    public long Outstanding => Interlocked.Read(ref _rented) - Interlocked.Read(ref _returned);

    /// <summary>Frames rented so far.</summary>
    public long Rented => Interlocked.Read(ref _rented);

    /// <summary>Buffers allocated because the pool had none that fit (every rent is a hit or one of these).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>A frame of <paramref name="length"/> bytes with one reference (the caller's).</summary>
    public SharedFrame Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Interlocked.Increment(ref _rented);
        SharedFrame? frame = null;
        if (length <= MaxPooledLength)
        {
            var index = ClassOf(length);
            lock (_lock)
            {
                frame = TakeFrom(index, length) ?? TakeFrom(index + 1, length);
            }
        }

        if (frame is null)
        {
            Interlocked.Increment(ref _allocated);
            frame = new SharedFrame(GC.AllocateUninitializedArray<byte>(length), this);
        }

        frame.Lease(length);
        return frame;
    }

    /// <summary>Called by <see cref="SharedFrame.Release"/> when the last reference is gone.</summary>
    internal void Return(SharedFrame frame)
    {
        Interlocked.Increment(ref _returned);
        var capacity = frame.Buffer.Length;
        if (capacity > MaxPooledLength)
        {
            return; // too large to keep
        }

        var index = ClassOf(capacity);
        var limit = Math.Clamp(RetainedBytesPerClass / capacity, 8, MaxRetainedPerClass);
        lock (_lock)
        {
            var stack = _classes[index] ??= new SharedFrame[limit];
            if (_counts[index] < stack.Length)
            {
                stack[_counts[index]++] = frame;
            }
        }
    }

    /// <summary>
    /// The class of a capacity: 32-byte steps below 256 bytes, then eight classes per power of two
    /// (class sizes 256, 288, 320, ... 512, 576, ...). A buffer in class i + 1 is longer than any length of class i.
    /// </summary>
    internal static int ClassOf(int length)
    {
        if (length < 256)
        {
            return length >> 5;
        }

        var power = BitOperations.Log2((uint)length);
        return 8 + ((power - 8) * 8) + ((length >> (power - 3)) - 8);
    }

    private SharedFrame? TakeFrom(int index, int length)
    {
        if (index >= _classes.Length || _counts[index] == 0)
        {
            return null;
        }

        var stack = _classes[index]!;
        var top = stack[_counts[index] - 1];
        if (top.Buffer.Length < length)
        {
            return null;
        }

        stack[--_counts[index]] = null!;
        return top;
    }
}
