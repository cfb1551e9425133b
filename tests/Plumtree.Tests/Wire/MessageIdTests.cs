using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

public sealed class MessageIdTests
{
    [Fact]
    public void Ids_from_one_generator_are_strictly_increasing_within_and_across_milliseconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var gen = new MessageIdGenerator(time, new Random(1));
        var previous = gen.Next();
        for (var i = 0; i < 10_000; i++)
        {
            if (i % 100 == 0)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            var next = gen.Next();
            Assert.True(next > previous, $"{next} should sort after {previous}");
            previous = next;
        }
    }

    [Fact]
    public void Id_carries_its_creation_time_and_survives_bytes_and_hex()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_123_456);
        var gen = new MessageIdGenerator(new FakeTimeProvider(at), new Random(7));
        var id = gen.Next();
        Assert.Equal(at, id.Timestamp);

        Span<byte> bytes = stackalloc byte[MessageId.Size];
        id.WriteTo(bytes);
        Assert.Equal(id, MessageId.Read(bytes));
        Assert.Equal(id, MessageId.Parse(id.ToString()));
        Assert.Equal(32, id.ToString().Length);
    }

    [Fact]
    public void Clock_stepping_back_never_produces_a_smaller_id()
    {
        var time = new SteppingClock { Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000) };
        var gen = new MessageIdGenerator(time, new Random(3));
        var a = gen.Next();
        time.Now -= TimeSpan.FromSeconds(5);
        var b = gen.Next();
        Assert.True(b > a);
    }

    [Fact]
    public void Two_generators_with_different_seeds_do_not_collide()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var a = new MessageIdGenerator(time, new Random(1));
        var b = new MessageIdGenerator(time, new Random(2));
        var seen = new HashSet<MessageId>();
        for (var i = 0; i < 5_000; i++)
        {
            Assert.True(seen.Add(a.Next()));
            Assert.True(seen.Add(b.Next()));
        }
    }

    [Fact]
    public void Byte_order_of_the_encoded_ids_equals_CompareTo_order()
    {
        // b shares a random-length prefix with a (0..16 bytes), so ties in the high half, in the low half
        // and whole equal ids all come up, not just ids that differ in the first byte.
        Gen.Select(Gen.Byte.Array[MessageId.Size], Gen.Byte.Array[MessageId.Size], Gen.Int[0, MessageId.Size]).Sample(
            (aBytes, tail, shared) =>
            {
                var bBytes = aBytes.ToArray();
                tail.AsSpan(shared).CopyTo(bBytes.AsSpan(shared));
                var a = MessageId.Read(aBytes);
                var b = MessageId.Read(bBytes);

                var byteOrder = Math.Sign(aBytes.AsSpan().SequenceCompareTo(bBytes));
                Assert.Equal(byteOrder, Math.Sign(a.CompareTo(b)));
                Assert.Equal(-byteOrder, Math.Sign(b.CompareTo(a)));
                Assert.Equal(byteOrder == 0, a == b);
                Assert.Equal(byteOrder < 0, a < b);
                Assert.Equal(byteOrder > 0, a > b);
                Assert.Equal(byteOrder == 0, string.Equals(a.ToString(), b.ToString(), StringComparison.Ordinal));
                Assert.Equal(byteOrder, Math.Sign(string.CompareOrdinal(a.ToString(), b.ToString())));

                Span<byte> written = stackalloc byte[MessageId.Size];
                a.WriteTo(written);
                Assert.True(written.SequenceEqual(aBytes));
            },
            iter: 100_000);
    }
}

/// <summary>A wall clock a test can move backwards (FakeTimeProvider refuses to).</summary>
internal sealed class SteppingClock : TimeProvider
{
    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
