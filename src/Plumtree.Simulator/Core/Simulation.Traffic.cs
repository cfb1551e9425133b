using Plumtree.Broadcast;

namespace Plumtree.Simulator.Core;

/// <summary>
/// Plumtree frame bytes as they would be on the wire (<c>docs/wire-format.md</c>: a 6-byte header, then the body), for
/// the partition figures: everything the tree sent after the heal, and the part of it that carried messages broadcast
/// before the heal (re-injected Gossip, the IHave announcing them, the Grafts fetching them).
/// </summary>
internal sealed partial class Simulation
{
    private const int FrameHeaderBytes = 6;
    private long _treeBytes;
    private long _treeBytesAtHeal;
    private long _oldMessageTreeBytesAfterHeal;
    private long _syncWireBytes;
    private long _syncWireBytesAtHeal;

    /// <summary>Cycle start times, and the repair bytes (sync frames + tree frames for pre-heal messages) sent by then.</summary>
    private readonly List<(long At, long RepairBytes)> _cycleStarts = [];

    private void MarkCycleStart() => _cycleStarts.Add((_now, _syncWireBytes + _oldMessageTreeBytesAfterHeal));

    /// <summary>Counts one sync frame sent: its body plus the Plumtree frame header around it.</summary>
    private void CountSyncBytes(int bodyLength) => _syncWireBytes += FrameHeaderBytes + bodyLength;

    /// <summary>Wire size of a Plumtree frame (header included).</summary>
    internal static int WireBytes(in PlumtreeFrame frame) => FrameHeaderBytes + frame.Type switch
    {
        FrameType.Gossip => MessageId.Size + 2 + frame.Payload.Length,
        FrameType.IHave => 2 + (frame.Entries.Length * (MessageId.Size + 2)),
        FrameType.Graft => MessageId.Size + 2,
        FrameType.Neighbor => 1,
        FrameType.Splice => 1 + frame.Payload.Length,
        FrameType.Tree => frame.Payload.Length,
        _ => 0,
    };

    /// <summary>Counts one Plumtree frame sent (before the network decides its fate).</summary>
    private void CountTreeBytes(in PlumtreeFrame frame)
    {
        var bytes = WireBytes(in frame);
        _treeBytes += bytes;
        if (_healAt < 0)
        {
            return;
        }

        var id = frame.Type switch
        {
            FrameType.Gossip or FrameType.Graft => frame.Id,
            FrameType.IHave when frame.Entries.Length > 0 => frame.Entries.Span[0].Id,
            _ => MessageId.Empty,
        };
        if (!id.IsEmpty && _tracks.TryGetValue(id, out var track) && track.Cycle < _healCycle)
        {
            _oldMessageTreeBytesAfterHeal += bytes;
        }
    }
}
