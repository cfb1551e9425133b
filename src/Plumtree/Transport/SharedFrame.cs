namespace Plumtree.Transport;

/// <summary>
/// One encoded Plumtree frame shared by every peer queue it was sent to, with a reference count. The encoder
/// holds the first reference (<see cref="EncodedFrame"/>); every queue that accepts the frame takes one more and
/// gives it back once its writer has copied the bytes into a batch, or when the frame is dropped from the queue
/// (stale, peer left, loop stopped). The last <see cref="Release"/> hands the buffer back to its
/// <see cref="SharedFramePool"/>, which lends it out again, so nobody may read <see cref="Span"/> after giving
/// its reference back. The bytes are written once, before the frame is queued, and only read afterwards.
/// </summary>
internal sealed class SharedFrame
{
    private readonly SharedFramePool? _pool;
    private int _references;
    private int _generation;

    /// <summary>A frame over <paramref name="buffer"/>, given back to <paramref name="pool"/> (null: left to the GC) by the last release.</summary>
    public SharedFrame(byte[] buffer, SharedFramePool? pool)
    {
        Buffer = buffer;
        _pool = pool;
    }

    /// <summary>The backing array (at least <see cref="Length"/> bytes).</summary>
    public byte[] Buffer { get; }

    /// <summary>Encoded length of the current frame.</summary>
    public int Length { get; private set; }

    /// <summary>The encoded frame: exactly what a stream writes (the frame carries its own length prefix).</summary>
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    /// <summary>Counts the times this buffer went back to its pool; a queued reference remembers it to catch use after return.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>References held now (0 = back in the pool or dropped).</summary>
    public int References => Volatile.Read(ref _references);

    /// <summary>Takes the buffer for a new frame of <paramref name="length"/> bytes, with one reference (the renter's).</summary>
    internal void Lease(int length)
    {
        Length = length;
        Volatile.Write(ref _references, 1);
    }

    /// <summary>One more holder (a peer queue). Only a holder may add one, so the count is at least 1 here.</summary>
    /// <exception cref="InvalidOperationException">The frame was already given back (a use after return).</exception>
    public void AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new InvalidOperationException("A shared frame was referenced after it was returned.");
        }
    }

    /// <summary>Gives one reference back; the last one returns the buffer to the pool.</summary>
    /// <exception cref="InvalidOperationException">More releases than references.</exception>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }

        if (left < 0)
        {
            throw new InvalidOperationException("A shared frame was released more often than it was referenced.");
        }

        Interlocked.Increment(ref _generation);
        _pool?.Return(this);
    }
}
