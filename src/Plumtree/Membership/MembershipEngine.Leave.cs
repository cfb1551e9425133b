using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>Graceful leave and meta updates.</summary>
internal sealed partial class MembershipEngine
{
    private EngineTimer? _leaveTimer;
    private bool _leaveReported;

    /// <summary>
    /// Leaves gracefully: broadcasts <c>dead{my incarnation, me, me}</c> (others mark this node left) and
    /// reports <see cref="IMembershipOutput.LeaveCompleted"/> when that broadcast has gone out its full
    /// retransmit count, at once when no other member is alive, or with false after <paramref name="timeout"/>
    /// (zero or negative = no timeout). The engine keeps running (it must, to gossip the leave) until the
    /// runtime stops it. A second call does nothing.
    /// </summary>
    public void Leave(TimeSpan now, TimeSpan timeout)
    {
        var self = Self;
        if (_leaving)
        {
            return;
        }

        _leaving = true;
        DeadNode(new Dead(self.Incarnation, self.Name, self.Name), now, finished: () => ReportLeave(broadcastSent: true));
        if (!_nodes.Exists(n => n != self && !n.IsDeadOrLeft))
        {
            ReportLeave(broadcastSent: true);
            return;
        }

        if (timeout > TimeSpan.Zero && !_leaveReported)
        {
            _leaveTimer = _timers.Schedule(now + timeout, _ => ReportLeave(broadcastSent: false));
        }
    }

    /// <summary>
    /// Publishes new node meta (≤ 512 bytes): a new alive with a higher incarnation is gossiped (memberlist's
    /// <c>UpdateNode</c>) and an <see cref="MemberEventKind.Update"/> event is raised for this node when the
    /// meta changed. Ignored after <see cref="Leave"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Meta longer than 512 bytes.</exception>
    public void UpdateMeta(ReadOnlyMemory<byte> meta, TimeSpan now)
    {
        var self = Self;
        if (meta.Length > MembershipOptions.MetaMaxSize)
        {
            throw new ArgumentException($"Node meta is {meta.Length} bytes; the limit is {MembershipOptions.MetaMaxSize}.", nameof(meta));
        }

        var alive = new Alive(++_incarnation, self.Name, self.Addr, self.Port, MetaOrNull(meta), _versions);
        AliveNode(alive, bootstrap: true, now);
    }

    private void ReportLeave(bool broadcastSent)
    {
        if (_leaveReported)
        {
            return;
        }

        _leaveReported = true;
        _leaveTimer?.Cancel();
        _output.LeaveCompleted(broadcastSent);
    }
}
