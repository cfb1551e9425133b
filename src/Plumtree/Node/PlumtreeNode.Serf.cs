using MessagePack;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Node;

// Serf compatibility: a small serf Lamport clock fed from the serf messages we receive, and the leave
// intent that makes serf list this node as left rather than failed.
public sealed partial class PlumtreeNode
{
    /// <summary>serf's member-event clock (<c>s.clock</c>): the next intent we send carries a time above everything seen.</summary>
    private ulong _serfClock;

    /// <summary>The serf clock, for tests.</summary>
    internal ulong SerfClock => Volatile.Read(ref _serfClock);

    /// <summary>A memberlist user message (UDP gossip or TCP): in serf mode, witness the time of join and leave intents.</summary>
    private void OnUserMessage(ReadOnlyMemory<byte> payload)
    {
        if (_options.Compatibility != ClusterCompatibility.Serf || payload.IsEmpty)
        {
            return;
        }

        var type = (SerfMessageType)payload.Span[0];
        if (type is not (SerfMessageType.Join or SerfMessageType.Leave))
        {
            return; // user events, queries and the rest run on their own clocks
        }

        try
        {
            switch (SerfCodec.Decode(payload))
            {
                case SerfJoinIntent join:
                    WitnessSerfTime(join.LTime);
                    break;
                case SerfLeaveIntent leave:
                    WitnessSerfTime(leave.LTime);
                    break;
            }
        }
        catch (WireDecodeException e)
        {
            _decodeErrors.Increment(e.Layer);
        }
    }

    /// <summary>Serf push/pull user state (serf type 2): witness its member-event clock.</summary>
    private void OnRemoteUserState(ReadOnlyMemory<byte> state)
    {
        if (_options.Compatibility != ClusterCompatibility.Serf || state.IsEmpty || state.Span[0] != (byte)SerfMessageType.PushPull)
        {
            return;
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
                    WitnessSerfTime(GoMsgpack.ReadUInt64(ref reader, "LTime"));
                    return;
                }

                GoMsgpack.Skip(ref reader);
            }
        }
        catch (Exception e) when (GoMsgpack.IsReaderFailure(e) || e is WireDecodeException)
        {
            _decodeErrors.Increment(GoMsgpack.Layer);
        }
    }

    /// <summary>Lamport witness: the clock moves past <paramref name="time"/>.</summary>
    private void WitnessSerfTime(ulong time)
    {
        if (time >= _serfClock)
        {
            Volatile.Write(ref _serfClock, time + 1);
        }
    }

    /// <summary>Queues serf's <c>messageLeave</c> for this node on memberlist's user broadcast queue; false when not joined.</summary>
    private bool QueueSerfLeaveIntent(TimeSpan now)
    {
        if (_membership is not { } engine || _leaving)
        {
            return false;
        }

        var time = _serfClock + 1;
        Volatile.Write(ref _serfClock, time);
        engine.QueueUserBroadcast(SerfCodec.Encode(new SerfLeaveIntent(time, Name, Prune: false)));
        NodeLog.SerfLeaveIntent(_logger, Name, time);
        return true;
    }
}
