
namespace Plumtree.Broadcast;

// Timers: missing-message grafts (timeout1, timeout2) and their repair rounds, IHave batch flushes, overlay
// repair, held frames and expiry.
// One priority queue holds them all; cancelled timers are left in it and recognised as stale by a stamp.
public sealed partial class BroadcastEngine
{
    private const int PendingPoolLimit = 256;

    /// <summary>The least per-link graft timeout2.</summary>
    private static readonly TimeSpan MinLinkTimeout = TimeSpan.FromMilliseconds(10);

    private readonly Dictionary<MessageId, PendingGraft> _pending = [];
    private readonly Stack<PendingGraft> _pendingPool = new();
    private readonly PriorityQueue<Timer, TimeSpan> _timers = new();
    private TimeSpan? _nextTickAt;
    private int _repairStamp;
    private TimeSpan? _repairAt;
    private int _housekeepingStamp;
    private TimeSpan? _housekeepingAt;

    private enum TimerKind : byte
    {
        Graft,
        Flush,
        Repair,
        Housekeeping,
        GraftRound,
        ParkExpiry,
        TreeAdvert,
    }

    /// <summary>Time passed: fire due timers (graft timeouts and repair rounds, IHave batches, overlay repair, held frames, cache expiry).</summary>
    public void Tick(TimeSpan now)
    {
        Advance(now);
        while (_timers.TryPeek(out var timer, out var at) && at <= now)
        {
            _timers.Dequeue();
            if (!IsLive(timer))
            {
                continue;
            }

            switch (timer.Kind)
            {
                case TimerKind.Graft:
                    OnGraftTimer(timer.Id, (PendingGraft)timer.Target!, now);
                    break;
                case TimerKind.Flush:
                    FlushAnnouncements((PeerState)timer.Target!);
                    break;
                case TimerKind.Repair:
                    _repairAt = null;
                    RepairOverlay(now);
                    break;
                case TimerKind.Housekeeping:
                    _housekeepingAt = null; // expiry itself ran in Advance
                    break;
                case TimerKind.GraftRound:
                    OnGraftRoundTimer(timer.Id, (PendingGraft)timer.Target!, now);
                    break;
                case TimerKind.ParkExpiry:
                    ExpireParked((ParkedSender)timer.Target!, now);
                    break;
                case TimerKind.TreeAdvert:
                    SendAdverts(now);
                    break;
            }
        }

        Finish();
    }

    /// <summary>
    /// Rule 4: remember who announced a missing message; the first announcement starts timeout1. A new announcer of
    /// a message waiting for its next repair round is grafted after timeout1 too.
    /// </summary>
    private void RememberAnnouncer(MessageId id, string announcer, int hop, TimeSpan now)
    {
        if (!_pending.TryGetValue(id, out var pending))
        {
            pending = _pendingPool.Count > 0 ? _pendingPool.Pop() : new PendingGraft(_options.MaxAnnouncers);
            pending.InUse = true;
            pending.FirstAnnounced = now;
            pending.RoundStarted = now;
            _pending.Add(id, pending);
            _timers.Enqueue(new Timer(TimerKind.Graft, id, pending, pending.Restamp()), now + _options.GraftTimeout);
        }

        if (pending.TryAdd(announcer, hop, now) && pending.Dormant)
        {
            Reawaken(id, pending, announcer, now);
        }
    }

    /// <summary>The message arrived: stop waiting for it.</summary>
    private void CancelPending(MessageId id)
    {
        if (_pending.Count != 0 && _pending.Remove(id, out var pending))
        {
            Release(pending);
        }
    }

    private void Release(PendingGraft pending)
    {
        pending.Reset();
        if (_pendingPool.Count < PendingPoolLimit)
        {
            _pendingPool.Push(pending);
        }
    }

    /// <summary>timeout1 or timeout2 expired: graft the next announcer, or end the round when they or the attempts run out.</summary>
    private void OnGraftTimer(MessageId id, PendingGraft pending, TimeSpan now)
    {
        while (pending.Attempts < _options.MaxGraftAttempts && pending.TryTakeNext(out var announcer, out var hop))
        {
            if (!IsKnownMember(announcer))
            {
                continue; // left the view since it announced
            }

            var peer = _peers.GetValueOrDefault(announcer) ?? TryAdopt(announcer, eager: true);
            if (peer is not null && !peer.IsEager)
            {
                MoveToEager(peer);
            }

            Send(announcer, PlumtreeFrame.Graft(id, hop));
            _counters.GraftSent++;
            pending.Attempts++;
            pending.Grafted = true;
            _timers.Enqueue(new Timer(TimerKind.Graft, id, pending, pending.Restamp()), now + RetryDelay(announcer));
            return;
        }

        EndGraftRound(id, pending, now);
    }

    /// <summary>
    /// timeout2 after a Graft to <paramref name="announcer"/>: it waits for the announcer's answer, so with
    /// <see cref="BroadcastOptions.GraftRttFactor"/> and an RTT sample it is factor × RTT, at least 10 ms and at most
    /// GraftRetryTimeout (the profile is the ceiling), else GraftRetryTimeout; a cross-zone announcer gets at least
    /// <see cref="BroadcastOptions.CrossZoneGraftFloor"/>. timeout1 stays <see cref="BroadcastOptions.GraftTimeout"/>:
    /// it waits for the eager copy, whose delay is the spread between tree paths, not the announcer's round trip.
    /// Measured in docs/simulation/report.md, section 7 (scaling timeout1, or letting timeout2 grow above the profile,
    /// made delivery slower).
    /// </summary>
    private TimeSpan RetryDelay(string announcer)
    {
        var retry = _options.GraftRetryTimeout;
        var t2 = retry;
        var peer = _peers.GetValueOrDefault(announcer);
        if (_options.GraftRttFactor > 0 && peer is { HasRtt: true })
        {
            var scaled = TimeSpan.FromTicks((long)Math.Min(peer.Rtt.Ticks * _options.GraftRttFactor, retry.Ticks));
            t2 = scaled < MinLinkTimeout ? MinLinkTimeout : scaled;
        }

        if ((peer?.CrossZone ?? IsCrossZone(announcer)) && t2 < _options.CrossZoneGraftFloor)
        {
            t2 = _options.CrossZoneGraftFloor;
        }

        return t2;
    }

    private void ScheduleFlush(PeerState peer, TimeSpan at) =>
        _timers.Enqueue(new Timer(TimerKind.Flush, default, peer, peer.FlushStamp), at);

    private void ScheduleRepair(TimeSpan at)
    {
        if (_repairAt is { } current && current <= at)
        {
            return;
        }

        _repairAt = at;
        _timers.Enqueue(new Timer(TimerKind.Repair, default, null, ++_repairStamp), at);
    }

    private void CancelRepair()
    {
        _repairAt = null;
        _repairStamp++;
    }

    private bool IsLive(in Timer timer) => timer.Kind switch
    {
        TimerKind.Graft or TimerKind.GraftRound => timer.Target is PendingGraft { InUse: true } pending && pending.Stamp == timer.Stamp,
        TimerKind.ParkExpiry => timer.Target is ParkedSender { Active: true } parked && parked.Stamp == timer.Stamp,
        TimerKind.Flush => timer.Target is PeerState { Active: true, PendingCount: > 0 } peer && peer.FlushStamp == timer.Stamp,
        TimerKind.Repair => timer.Stamp == _repairStamp,
        TimerKind.Housekeeping => timer.Stamp == _housekeepingStamp,
        TimerKind.TreeAdvert => timer.Stamp == _treeAdvertStamp,
        _ => false,
    };

    /// <summary>
    /// Bookkeeping at the end of every input: schedule expiry housekeeping (coarsely, so one tick expires a
    /// batch of entries), drop stale timers from the head of the queue and compute <see cref="NextTickAt"/>.
    /// </summary>
    private void Finish()
    {
        if (_treeStale)
        {
            RecomputeTree(_treeNow);
        }

        if (_housekeepingAt is null && _messages.NextExpiry is { } expiry)
        {
            var at = expiry + HousekeepingSlack();
            _housekeepingAt = at;
            _timers.Enqueue(new Timer(TimerKind.Housekeeping, default, null, ++_housekeepingStamp), at);
        }

        while (_timers.TryPeek(out var timer, out var at))
        {
            if (IsLive(timer))
            {
                _nextTickAt = at;
                return;
            }

            _timers.Dequeue();
        }

        _nextTickAt = null;
    }

    private TimeSpan HousekeepingSlack()
    {
        var slack = _options.CacheTtl / 16;
        return slack < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : slack;
    }

    /// <summary>A scheduled timer; <see cref="Stamp"/> must still match its target's for it to fire.</summary>
    private readonly record struct Timer(TimerKind Kind, MessageId Id, object? Target, int Stamp);
}
