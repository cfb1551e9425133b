using Plumtree.Transport;

namespace Plumtree.Tests.Transport;

/// <summary>The ownership rule of encoded outbound frames: reference counts, return exactly once, reuse by size class.</summary>
public sealed class SharedFramePoolTests
{
    [Fact]
    public void A_frame_goes_back_to_the_pool_once_its_last_holder_releases_it_and_is_lent_again()
    {
        var pool = new SharedFramePool();
        var frame = pool.Rent(1060);
        frame.AddReference();
        frame.AddReference();
        frame.AddReference();

        frame.Release(); // the encoder
        frame.Release();
        frame.Release();
        Assert.Equal(1, pool.Outstanding);
        Assert.Equal(0, frame.Generation);

        frame.Release(); // the last queue
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(1, frame.Generation);

        var again = pool.Rent(1060);
        Assert.Same(frame, again);
        Assert.Equal(1, pool.Allocated);
        Assert.Equal(1, again.References);
    }

    [Fact]
    public void Releasing_too_often_or_referencing_a_returned_frame_throws()
    {
        var pool = new SharedFramePool();
        var frame = pool.Rent(100);
        frame.Release();

        Assert.Throws<InvalidOperationException>(frame.AddReference);
        var other = pool.Rent(200);
        other.Release();
        Assert.Throws<InvalidOperationException>(other.Release);
    }

    [Fact]
    public void A_miss_allocates_the_exact_length_and_a_buffer_from_the_next_class_always_fits()
    {
        var pool = new SharedFramePool();
        var frame = pool.Rent(1100);
        Assert.Equal(1100, frame.Buffer.Length);
        frame.Release();

        // 1100 is in the class 1024–1151. 1200 (class 1152–1279) cannot use it; 1060 (same class, shorter) and
        // 1000 (the class below) can.
        var longer = pool.Rent(1200);
        Assert.NotSame(frame, longer);
        Assert.Equal(1200, longer.Buffer.Length);
        var shorter = pool.Rent(1000);
        Assert.Same(frame, shorter);
        Assert.Equal(1000, shorter.Span.Length);
        Assert.Equal(2, pool.Allocated);
    }

    [Fact]
    public void Classes_are_contiguous_and_ordered_by_length()
    {
        var previous = SharedFramePool.ClassOf(1);
        for (var length = 2; length <= SharedFramePool.MaxPooledLength; length++)
        {
            var index = SharedFramePool.ClassOf(length);
            Assert.True(index == previous || index == previous + 1, $"length {length}: class {index} after {previous}");
            previous = index;
        }

        // Eight classes per power of two, so a buffer of the same class is at most 1/8 longer than needed.
        Assert.Equal(SharedFramePool.ClassOf(1024), SharedFramePool.ClassOf(1151));
        Assert.NotEqual(SharedFramePool.ClassOf(1151), SharedFramePool.ClassOf(1152));
    }

    [Fact]
    public void The_pool_keeps_a_bounded_number_of_buffers_and_frames_over_the_pooled_size_are_left_to_the_gc()
    {
        var pool = new SharedFramePool();
        var frames = Enumerable.Range(0, 2_000).Select(_ => pool.Rent(1060)).ToList();
        frames.ForEach(f => f.Release());
        Assert.Equal(0, pool.Outstanding);

        var rentedAgain = Enumerable.Range(0, 2_000).Select(_ => pool.Rent(1060)).ToList();
        Assert.Equal(2_000 + (2_000 - 1_024), pool.Allocated); // 1,024 kept, the rest allocated again
        rentedAgain.ForEach(f => f.Release());

        var large = pool.Rent(SharedFramePool.MaxPooledLength + 1);
        large.Release();
        Assert.NotSame(large, pool.Rent(SharedFramePool.MaxPooledLength + 1));
        Assert.Equal(1, pool.Outstanding);
    }
}
