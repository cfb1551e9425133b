using Plumtree.Storage;
using Plumtree.Wire;

namespace Plumtree.Tests.Sync;

/// <summary>The body of a Sync frame: every kind round-trips; malformed bodies give <see cref="WireDecodeException"/>.</summary>
public sealed class SyncFrameCodecTests
{
    private static readonly MessageId IdA = new(0x018bcfe56800a1b2UL, 0xc3d4e5f60718293aUL);
    private static readonly MessageId IdB = new(0x018bcfe568010000UL, 0x0000000000000001UL);

    [Fact]
    public void Every_kind_round_trips()
    {
        var reconcile = SyncFrameCodec.Decode(SyncFrameCodec.EncodeReconcile(7, 1_700_000_000_000, [1, 2, 3]));
        Assert.Equal((SyncFrameKind.Reconcile, 7u, 1_700_000_000_000L), (reconcile.Kind, reconcile.Round, reconcile.Milliseconds));
        Assert.Equal(new byte[] { 1, 2, 3 }, reconcile.Message);

        var reply = SyncFrameCodec.Decode(SyncFrameCodec.EncodeReply(uint.MaxValue, [9]));
        Assert.Equal((SyncFrameKind.Reply, uint.MaxValue), (reply.Kind, reply.Round));
        Assert.Equal(new byte[] { 9 }, reply.Message);

        var floor = SyncFrameCodec.Decode(SyncFrameCodec.EncodeFloor(3, 42));
        Assert.Equal((SyncFrameKind.Floor, 3u, 42L), (floor.Kind, floor.Round, floor.Milliseconds));

        var want = SyncFrameCodec.Decode(SyncFrameCodec.EncodeWant(4, [IdA, IdB]));
        Assert.Equal([IdA, IdB], want.Ids);

        var page = SyncFrameCodec.Decode(SyncFrameCodec.EncodePage(SyncFrameKind.Messages, 5, [new(IdA, new byte[] { 1, 2 }), new(IdB, Array.Empty<byte>())], [IdB]));
        Assert.Equal(SyncFrameKind.Messages, page.Kind);
        Assert.Equal([IdA, IdB], page.Entries.Select(e => e.Id));
        Assert.Equal(new byte[] { 1, 2 }, page.Entries[0].Payload.ToArray());
        Assert.True(page.Entries[1].Payload.IsEmpty);
        Assert.Equal([IdB], page.Ids);

        var push = SyncFrameCodec.Decode(SyncFrameCodec.EncodePage(SyncFrameKind.Push, 6, [new(IdA, new byte[] { 5 })], []));
        Assert.Equal((SyncFrameKind.Push, 6u, 1), (push.Kind, push.Round, push.Entries.Length));

        var refuse = SyncFrameCodec.Decode(SyncFrameCodec.EncodeRefuse(42, SyncRefuseReason.Disabled));
        Assert.Equal((SyncFrameKind.Refuse, 42u, SyncRefuseReason.Disabled), (refuse.Kind, refuse.Round, refuse.Reason));
    }

    [Fact]
    public void The_layout_is_big_endian_as_documented()
    {
        Assert.Equal("070000002a01", Convert.ToHexStringLower(SyncFrameCodec.EncodeRefuse(42, SyncRefuseReason.Disabled)));
        Assert.Equal("0300000001000000000000002a", Convert.ToHexStringLower(SyncFrameCodec.EncodeFloor(1, 42)));
        // An id is its high 64 bits minus the previous id's (a LEB128 varint; 0 before the first id), then its low 64 bits.
        Assert.Equal(
            "0400000002" + "0002" + "b2c382c0d6fcf3c501" + "c3d4e5f60718293a" + "cebc01" + "0000000000000001",
            Convert.ToHexStringLower(SyncFrameCodec.EncodeWant(2, [IdA, IdB])));
        Assert.Equal(
            "0500000003" + "0001" + "b2c382c0d6fcf3c501" + "c3d4e5f60718293a" + "02" + "abcd" + "0001" + "808084c0d6fcf3c501" + "0000000000000001",
            Convert.ToHexStringLower(SyncFrameCodec.EncodePage(SyncFrameKind.Messages, 3, [new(IdA, new byte[] { 0xab, 0xcd })], [IdB])));
    }

    [Theory]
    [InlineData("", "truncated")]
    [InlineData("01000000", "truncated")]
    [InlineData("0000000001", "unknown_kind")]
    [InlineData("0800000001", "unknown_kind")]
    [InlineData("0100000001000000000000002a", "truncated")] // Reconcile without a message
    [InlineData("0100000001ffffffffffffffff00", "bad_body")] // negative from_ms
    [InlineData("0200000001", "truncated")] // Reply without a message
    [InlineData("0300000001000000000000002a00", "trailing_bytes")]
    [InlineData("0300000001000100000000002a", "bad_body")] // floor beyond 48 bits
    [InlineData("04000000010000", "bad_body")] // Want of 0 ids
    [InlineData("0400000001000200000000000000000000000000000001", "truncated")]
    [InlineData("04000000010001000000000000000000", "bad_body")] // all-zero id
    [InlineData("04000000010001b2c382c0d6fcf3c501c3d4e5f60718293a00", "trailing_bytes")]
    [InlineData("04000000010002b2c382c0d6fcf3c501c3d4e5f60718293a00c3d4e5f60718293a", "bad_body")] // the same id twice
    [InlineData("04000000010002b2c382c0d6fcf3c501c3d4e5f60718293a000000000000000001", "bad_body")] // an id lower than the one before it
    [InlineData("040000000100018000c3d4e5f60718293a", "bad_body")] // a varint not minimally encoded
    [InlineData("04000000010001ffffffffffffffffff02c3d4e5f60718293a", "bad_body")] // a varint beyond 64 bits
    [InlineData("04000000010002b2c382c0d6fcf3c501c3d4e5f60718293affffffffffffffffff010000000000000001", "bad_body")] // high half beyond 64 bits
    [InlineData("040000000100010000000000", "truncated")]
    [InlineData("050000000100000000", "bad_body")] // empty Messages page
    [InlineData("05000000010001b2c382c0d6fcf3c501c3d4e5f60718293a05abcd0000", "truncated")] // payload shorter than its length
    [InlineData("05000000010001b2c382c0d6fcf3c501c3d4e5f60718293a8080", "truncated")] // length varint cut short
    [InlineData("050000000100000002808084c0d6fcf3c5010000000000000001", "truncated")] // fewer missing ids than counted
    [InlineData("06000000010001b2c382c0d6fcf3c501c3d4e5f60718293a000001808084c0d6fcf3c5010000000000000001", "bad_body")] // Push with missing ids
    [InlineData("060000000100000000", "bad_body")] // empty Push
    [InlineData("070000000100", "bad_body")] // Refuse reason 0
    [InlineData("07000000010101", "trailing_bytes")]
    public void Malformed_bodies_are_refused_with_a_reason(string hex, string reason)
    {
        var error = Assert.Throws<WireDecodeException>(() => SyncFrameCodec.Decode(Convert.FromHexString(hex)));
        Assert.Equal("sync", error.Layer);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Random_bodies_decode_or_throw_only_WireDecodeException()
    {
        var random = new Random(1234);
        var decoded = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 120)];
            random.NextBytes(body);
            if (body.Length > 0)
            {
                body[0] = (byte)random.Next(1, 8);
            }

            try
            {
                var frame = SyncFrameCodec.Decode(body);
                decoded++;
                Assert.Equal(body, Reencode(frame)); // one encoding per frame: nothing else decodes
            }
            catch (WireDecodeException)
            {
            }
        }

        Assert.True(decoded > 0);
    }

    [Fact]
    public void Id_lists_of_any_shape_round_trip_canonically()
    {
        var random = new Random(99);
        for (var i = 0; i < 2_000; i++)
        {
            var ids = RandomAscendingIds(random, random.Next(1, 40));
            var want = SyncFrameCodec.EncodeWant((uint)i, ids);
            Assert.Equal(ids, SyncFrameCodec.Decode(want).Ids);

            var entries = RandomAscendingIds(random, random.Next(0, 10)).Select(id => new StoredMessage(id, new byte[random.Next(0, 300)])).ToArray();
            var kind = entries.Length > 0 && random.Next(2) == 0 ? SyncFrameKind.Push : SyncFrameKind.Messages;
            var missing = kind == SyncFrameKind.Push ? [] : ids;
            var page = SyncFrameCodec.EncodePage(kind, 1, entries, missing);
            Assert.Equal(SyncFrameCodec.PageSize(entries, missing), page.Length);
            var decoded = SyncFrameCodec.Decode(page);
            Assert.Equal(entries.Select(e => e.Id), decoded.Entries.Select(e => e.Id));
            Assert.Equal(entries.Select(e => e.Payload.Length), decoded.Entries.Select(e => e.Payload.Length));
            Assert.Equal(missing, decoded.Ids);
            Assert.Equal(page, Reencode(decoded));
        }
    }

    [Fact]
    public void Time_ordered_ids_seconds_apart_cost_11_to_13_bytes_each()
    {
        var random = new Random(5);
        var ms = 1_750_000_000_000UL;
        var ids = new MessageId[256];
        for (var i = 0; i < ids.Length; i++)
        {
            ms += (ulong)random.Next(1, 7_000);
            ids[i] = new MessageId((ms << 16) | (uint)random.Next(1 << 16), (ulong)random.NextInt64());
        }

        var lone = new StoredMessage(new MessageId(ulong.MaxValue, 1), new byte[70_000]);
        Assert.Equal(SyncFrameCodec.MaxSingleMessageOverhead - 2, SyncFrameCodec.PageSize([lone], []) - lone.Payload.Length); // a 3-byte length here, 5 at most

        var body = SyncFrameCodec.EncodeWant(1, ids);
        Assert.InRange(body.Length, SyncFrameCodec.HeaderSize + 2 + (11 * ids.Length), SyncFrameCodec.HeaderSize + 2 + 10 + (13 * ids.Length));
    }

    [Fact]
    public void Encoders_refuse_what_cannot_be_decoded()
    {
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodeReply(1, []));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodeWant(1, []));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodeWant(1, [MessageId.Empty]));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodePage(SyncFrameKind.Push, 1, [new StoredMessage(IdA, new byte[1])], [IdB]));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodePage(SyncFrameKind.Messages, 1, [], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyncFrameCodec.EncodeFloor(1, -1));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodeWant(1, [IdB, IdA]));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodeWant(1, [IdA, IdA]));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodePage(SyncFrameKind.Messages, 1, [new(IdB, new byte[1]), new(IdA, new byte[1])], []));
        Assert.Throws<ArgumentException>(() => SyncFrameCodec.EncodePage(SyncFrameKind.Messages, 1, [], [IdB, IdA]));
    }

    private static byte[] Reencode(SyncFrame frame) => frame.Kind switch
    {
        SyncFrameKind.Reconcile => SyncFrameCodec.EncodeReconcile(frame.Round, frame.Milliseconds, frame.Message),
        SyncFrameKind.Reply => SyncFrameCodec.EncodeReply(frame.Round, frame.Message),
        SyncFrameKind.Floor => SyncFrameCodec.EncodeFloor(frame.Round, frame.Milliseconds),
        SyncFrameKind.Want => SyncFrameCodec.EncodeWant(frame.Round, frame.Ids),
        SyncFrameKind.Messages or SyncFrameKind.Push => SyncFrameCodec.EncodePage(frame.Kind, frame.Round, frame.Entries, frame.Ids),
        SyncFrameKind.Refuse => SyncFrameCodec.EncodeRefuse(frame.Round, frame.Reason),
        _ => throw new InvalidOperationException(),
    };

    private static MessageId[] RandomAscendingIds(Random random, int count)
    {
        var ids = new SortedSet<MessageId>();
        var hi = (ulong)random.NextInt64(1, 1L << 62);
        while (ids.Count < count)
        {
            // Mostly close together (same high half, or seconds apart), sometimes anywhere.
            hi = random.Next(4) switch
            {
                0 => hi,
                1 => hi + (ulong)random.Next(1, 1 << 30),
                2 => (ulong)random.NextInt64(1, long.MaxValue) * 2,
                _ => hi + 1,
            };
            ids.Add(new MessageId(hi, (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63)));
        }

        return [.. ids];
    }
}
