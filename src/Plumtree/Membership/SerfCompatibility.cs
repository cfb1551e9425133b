using MessagePack;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Membership;

/// <summary>
/// Serf compatibility, sans-IO: serf's member-event Lamport clock (<c>s.clock</c> in serf), and the leave intent
/// that makes serf list this node as <c>left</c> rather than <c>failed</c>.
/// </summary>
/// <remarks>
/// The clock witnesses the time of the join and leave intents serf gossips as memberlist user messages and the
/// <c>LTime</c> of serf's push/pull user state, so the next intent this node sends carries a time above
/// everything it has seen (serf ignores intents older than the one it holds for a node). Inputs are bytes;
/// undecodable input is counted and reported in the result, never thrown. Outside serf mode every input is
/// ignored. One writer (the node's loop); <see cref="Clock"/> may be read from any thread.
/// </remarks>
internal sealed class SerfCompatibility
{
    private ulong _clock;
    private long _malformed;

    /// <summary>Creates the component; <paramref name="enabled"/> is false outside serf mode (every input is ignored).</summary>
    public SerfCompatibility(bool enabled) => Enabled = enabled;

    /// <summary>The cluster runs in serf mode.</summary>
    public bool Enabled { get; }

    /// <summary>The member-event clock: the next intent carries a time at or above it.</summary>
    public ulong Clock => Volatile.Read(ref _clock);

    /// <summary>Serf inputs that could not be decoded.</summary>
    public long Malformed => Volatile.Read(ref _malformed);

    /// <summary>A memberlist user message (UDP gossip or TCP): witnesses the time of a serf join or leave intent.</summary>
    public SerfInputResult ReceiveUserMessage(ReadOnlyMemory<byte> payload)
    {
        if (!Enabled || payload.IsEmpty)
        {
            return default;
        }

        var type = (SerfMessageType)payload.Span[0];
        if (type is not (SerfMessageType.Join or SerfMessageType.Leave))
        {
            return default; // user events, queries and the rest run on their own clocks
        }

        try
        {
            return SerfCodec.Decode(payload) switch
            {
                SerfJoinIntent join => Witness(join.LTime),
                SerfLeaveIntent leave => Witness(leave.LTime),
                _ => default,
            };
        }
        catch (WireDecodeException e)
        {
            return Failed(e.Layer);
        }
    }

    /// <summary>Serf push/pull user state (serf message type 2): witnesses its member-event clock (<c>LTime</c>).</summary>
    public SerfInputResult ReceiveRemoteState(ReadOnlyMemory<byte> state)
    {
        if (!Enabled || state.IsEmpty || state.Span[0] != (byte)SerfMessageType.PushPull)
        {
            return default;
        }

        try
        {
            var reader = new MessagePackReader(state[1..]);
            var count = GoMsgpack.ReadStructHeader(ref reader, "messagePushPull");
            for (var i = 0; i < count; i++)
            {
                var key = GoMsgpack.ReadKey(ref reader);
                if (key.SequenceEqual("LTime"u8))
                {
                    return Witness(GoMsgpack.ReadUInt64(ref reader, "LTime"));
                }

                GoMsgpack.Skip(ref reader);
            }

            return default;
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e) || e is WireDecodeException)
        {
            return Failed(GoMsgpack.Layer);
        }
    }

    /// <summary>
    /// serf's <c>messageLeave</c> for <paramref name="node"/>, encoded for memberlist's user broadcast queue; the
    /// clock ticks, so the intent's time is above everything witnessed.
    /// </summary>
    /// <param name="node">The leaving node's name (this node).</param>
    /// <param name="time">The intent's Lamport time.</param>
    public byte[] LeaveIntent(string node, out ulong time)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        time = _clock + 1;
        Volatile.Write(ref _clock, time);
        return SerfCodec.Encode(new SerfLeaveIntent(time, node, Prune: false));
    }

    /// <summary>
    /// How long the leave intent gets before the memberlist leave starts (both ride the same gossip, and serf
    /// must see the intent first to list the node as left): two gossip intervals, at most a quarter of the leave
    /// timeout when there is one.
    /// </summary>
    /// <param name="gossipInterval">The membership gossip interval (null: memberlist's default, 200 ms).</param>
    /// <param name="timeout">The leave timeout (zero or less: none).</param>
    public static TimeSpan LeaveIntentLead(TimeSpan? gossipInterval, TimeSpan timeout)
    {
        var lead = (gossipInterval ?? TimeSpan.FromMilliseconds(200)) * 2;
        return timeout > TimeSpan.Zero && lead > timeout / 4 ? timeout / 4 : lead;
    }

    /// <summary>Lamport witness: the clock moves past <paramref name="time"/>.</summary>
    private SerfInputResult Witness(ulong time)
    {
        if (time >= _clock)
        {
            Volatile.Write(ref _clock, time + 1);
        }

        return new SerfInputResult(Witnessed: true, null);
    }

    private SerfInputResult Failed(string layer)
    {
        Interlocked.Increment(ref _malformed);
        return new SerfInputResult(Witnessed: false, layer);
    }
}
