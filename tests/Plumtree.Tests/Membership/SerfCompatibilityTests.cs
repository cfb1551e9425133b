using System.Buffers;
using MessagePack;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Tests.Membership;

/// <summary>The serf component alone, no sockets: bytes in, the witnessed clock and the leave intent out.</summary>
public sealed class SerfCompatibilityTests
{
    [Fact]
    public void Join_and_leave_intents_move_the_clock_past_their_time_and_older_ones_do_not_move_it_back()
    {
        var serf = new SerfCompatibility(enabled: true);

        Assert.True(serf.ReceiveUserMessage(SerfCodec.Encode(new SerfJoinIntent(5, "a"))).Witnessed);
        Assert.Equal(6UL, serf.Clock);
        Assert.True(serf.ReceiveUserMessage(SerfCodec.Encode(new SerfLeaveIntent(9, "b", Prune: false))).Witnessed);
        Assert.Equal(10UL, serf.Clock);
        Assert.True(serf.ReceiveUserMessage(SerfCodec.Encode(new SerfJoinIntent(3, "c"))).Witnessed);
        Assert.Equal(10UL, serf.Clock);
        Assert.Equal(0, serf.Malformed);
    }

    [Fact]
    public void User_events_run_on_their_own_clock_and_leave_the_member_clock_alone()
    {
        var serf = new SerfCompatibility(enabled: true);

        var result = serf.ReceiveUserMessage(SerfCodec.Encode(new SerfUserEvent(40, "deploy", new byte[] { 1 }, CC: false)));

        Assert.Equal(default, result);
        Assert.Equal(0UL, serf.Clock);
    }

    [Fact]
    public void Push_pull_state_witnesses_its_LTime_wherever_the_key_sits_in_the_map()
    {
        var serf = new SerfCompatibility(enabled: true);

        Assert.True(serf.ReceiveRemoteState(PushPullState(("EventLTime", 99UL), ("LTime", 12UL), ("QueryLTime", 7UL))).Witnessed);
        Assert.Equal(13UL, serf.Clock);
        Assert.Equal(default, serf.ReceiveRemoteState(PushPullState(("EventLTime", 50UL))));
        Assert.Equal(13UL, serf.Clock);
    }

    [Theory]
    [InlineData(new byte[] { 1 })] // a join intent with no body
    [InlineData(new byte[] { 0, 0x81, 0xa5, (byte)'L', (byte)'T', (byte)'i', (byte)'m', (byte)'e', 0xa1, (byte)'x' })] // LTime is a string
    [InlineData(new byte[] { 1, 0xc1 })] // never-used msgpack byte
    public void Malformed_intents_are_counted_and_reported_not_thrown(byte[] payload)
    {
        var serf = new SerfCompatibility(enabled: true);

        var result = serf.ReceiveUserMessage(payload);

        Assert.False(result.Witnessed);
        Assert.NotNull(result.DecodeErrorLayer);
        Assert.Equal(1, serf.Malformed);
        Assert.Equal(0UL, serf.Clock);
    }

    [Theory]
    [InlineData(new byte[] { 2 })] // push/pull with no body
    [InlineData(new byte[] { 2, 0x81, 0xa5, (byte)'L', (byte)'T', (byte)'i', (byte)'m', (byte)'e' })] // LTime without a value
    [InlineData(new byte[] { 2, 0x93, 1, 2, 3 })] // an array, not a map
    public void Malformed_push_pull_state_is_counted_as_msgpack_not_thrown(byte[] state)
    {
        var serf = new SerfCompatibility(enabled: true);

        var result = serf.ReceiveRemoteState(state);

        Assert.Equal(new SerfInputResult(false, "msgpack"), result);
        Assert.Equal(1, serf.Malformed);
    }

    [Fact]
    public void The_leave_intent_decodes_as_serfs_messageLeave_for_this_node_above_every_time_witnessed()
    {
        var serf = new SerfCompatibility(enabled: true);
        serf.ReceiveUserMessage(SerfCodec.Encode(new SerfJoinIntent(41, "other")));

        var first = serf.LeaveIntent("me", out var firstTime);
        var second = serf.LeaveIntent("me", out var secondTime);

        Assert.Equal(new SerfLeaveIntent(43, "me", Prune: false), SerfCodec.Decode(first));
        Assert.Equal(43UL, firstTime);
        Assert.Equal(new SerfLeaveIntent(44, "me", Prune: false), SerfCodec.Decode(second));
        Assert.Equal(44UL, secondTime);
        Assert.Equal(44UL, serf.Clock);
    }

    [Fact]
    public void Outside_serf_mode_every_input_is_ignored_even_garbage()
    {
        var serf = new SerfCompatibility(enabled: false);

        Assert.Equal(default, serf.ReceiveUserMessage(SerfCodec.Encode(new SerfJoinIntent(5, "a"))));
        Assert.Equal(default, serf.ReceiveUserMessage(new byte[] { 1, 0xc1 }));
        Assert.Equal(default, serf.ReceiveRemoteState(PushPullState(("LTime", 12UL))));
        Assert.Equal(default, serf.ReceiveRemoteState(new byte[] { 2 }));
        Assert.Equal(0UL, serf.Clock);
        Assert.Equal(0, serf.Malformed);
    }

    [Fact]
    public void Empty_input_and_other_serf_types_are_ignored()
    {
        var serf = new SerfCompatibility(enabled: true);

        Assert.Equal(default, serf.ReceiveUserMessage(ReadOnlyMemory<byte>.Empty));
        Assert.Equal(default, serf.ReceiveUserMessage(new byte[] { 4, 0xc1 })); // a query: not ours to decode
        Assert.Equal(default, serf.ReceiveRemoteState(ReadOnlyMemory<byte>.Empty));
        Assert.Equal(default, serf.ReceiveRemoteState(new byte[] { 1, 0xc1 })); // not serf push/pull state
        Assert.Equal(0, serf.Malformed);
    }

    [Fact]
    public void The_leave_intent_leads_the_memberlist_leave_by_two_gossip_intervals_capped_at_a_quarter_of_the_timeout()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(400), SerfCompatibility.LeaveIntentLead(null, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), SerfCompatibility.LeaveIntentLead(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromMilliseconds(250), SerfCompatibility.LeaveIntentLead(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)));
    }

    /// <summary>serf's <c>messagePushPull</c> user state: type byte 2 and a map (only integer fields here).</summary>
    private static byte[] PushPullState(params (string Key, ulong Value)[] fields)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteRaw([2]);
        writer.WriteMapHeader(fields.Length);
        foreach (var (key, value) in fields)
        {
            writer.Write(key);
            writer.Write(value);
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }
}
