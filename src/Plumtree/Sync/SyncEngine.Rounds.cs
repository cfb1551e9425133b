using Plumtree.Wire;

namespace Plumtree.Sync;

// Initiated rounds: Reconcile/Reply until the difference is known (restarting once at the responder's Floor), then
// Want for what this node lacks and Push for what the responder lacks; complete when every wanted id is answered.
public sealed partial class SyncEngine
{
    /// <summary>At most this many refused ids are remembered (the oldest forgotten first).</summary>
    internal const int MaxRefused = 10_000;

    /// <summary>A Floor more than this much later than the range start makes the initiator restart from it.</summary>
    internal const long FloorTolerance = 1000;

    /// <summary>Largest share of a page one wanted id may take: a Want carries at most PageBytes / 256 ids.</summary>
    private const int WantBytesPerId = 256;

    private SyncRound? _active;
    private uint _nextRoundId;
    private long _nextPeriodicAt;

    /// <summary>The peer of the round in progress, if any.</summary>
    public string? ActiveRoundPeer => _active?.Peer;

    /// <summary>
    /// When the node should call <see cref="Tick"/> next: the next periodic round, the timeout of the round in progress,
    /// a pending immediate round (the latest time seen: at once) or the next drop by the horizon. Null when none.
    /// </summary>
    public long? NextTickAt
    {
        get
        {
            long? next = NextExpiry();
            if (_options.Enabled)
            {
                next = Min(next, _nextPeriodicAt);
                if (_active is { } round)
                {
                    next = Min(next, round.Deadline);
                }
                else if (_returning.Count > 0)
                {
                    next = Min(next, _lastNow);
                }
            }

            return next;
        }
    }

    /// <summary>
    /// Operator "sync now": starts a round at once with <paramref name="peer"/>, or with a random live peer when null.
    /// False (nothing started) when sync is disabled, a round is already in progress, there is no live peer, or
    /// <paramref name="peer"/> is not live.
    /// </summary>
    public bool RequestRound(string? peer, long nowUnixMilliseconds)
    {
        Observe(nowUnixMilliseconds);
        if (!_options.Enabled || _active is not null)
        {
            return false;
        }

        var target = peer ?? RandomLivePeer();
        if (target is null || !_live.Contains(target))
        {
            return false;
        }

        StartRound(target, nowUnixMilliseconds);
        return true;
    }

    /// <summary>
    /// Time passes: applies retention, fails a round past its timeout, starts a pending immediate round with a returning
    /// peer, and every <see cref="SyncOptions.Interval"/> a round with a random live peer (skipped while a round runs).
    /// </summary>
    public void Tick(long nowUnixMilliseconds)
    {
        Observe(nowUnixMilliseconds);
        ApplyRetention(nowUnixMilliseconds);
        if (!_options.Enabled)
        {
            return;
        }

        if (_active is { } round && nowUnixMilliseconds >= round.Deadline)
        {
            FailRound(SyncFailure.Timeout, nowUnixMilliseconds);
        }

        while (_active is null && _returning.Count > 0)
        {
            var peer = _returning[0];
            _returning.RemoveAt(0);
            if (_live.Contains(peer))
            {
                StartRound(peer, nowUnixMilliseconds);
            }
        }

        if (nowUnixMilliseconds >= _nextPeriodicAt)
        {
            _nextPeriodicAt = nowUnixMilliseconds + (long)_options.Interval.TotalMilliseconds;
            if (_active is null && RandomLivePeer() is { } peer)
            {
                StartRound(peer, nowUnixMilliseconds);
            }
        }
    }

    private void StartRound(string peer, long now)
    {
        var from = Math.Min(RetainedFloorMilliseconds(now), SyncKey.MaxMilliseconds - 1);
        var to = Math.Clamp(now + (long)_options.ClockSkew.TotalMilliseconds, from + 1, SyncKey.MaxMilliseconds);
        var round = new SyncRound(peer, _nextRoundId++, now + (long)_options.RoundTimeout.TotalMilliseconds, from, to, new SyncInitiator(_ids, _reconciler));
        _active = round;
        _counters.RoundsStarted++;
        SendReconcile(round, round.Initiator.Start(from, to, NextSalt()));
    }

    /// <summary>A Reply, Floor, Messages or Refuse: only for the round in progress, from its peer.</summary>
    private void OnAnswer(string from, SyncFrame frame, long now)
    {
        if (_active is not { } round || !string.Equals(round.Peer, from, StringComparison.Ordinal) || frame.Round != round.Id)
        {
            _counters.Stale++;
            return;
        }

        switch (frame.Kind)
        {
            case SyncFrameKind.Reply when !round.Fetching:
                OnReply(round, frame, now);
                break;
            case SyncFrameKind.Floor when !round.Fetching:
                OnFloor(round, frame, now);
                break;
            case SyncFrameKind.Messages when round.Fetching:
                OnMessages(round, frame, now);
                break;
            case SyncFrameKind.Refuse:
                FailRound(SyncFailure.Refused, now);
                break;
            default:
                _counters.Stale++; // an answer of the wrong phase
                break;
        }
    }

    private void OnReply(SyncRound round, SyncFrame frame, long now)
    {
        byte[]? next;
        try
        {
            next = round.Initiator.Receive(frame.Message);
        }
        catch (WireDecodeException)
        {
            _counters.Malformed++;
            FailRound(SyncFailure.Malformed, now);
            return;
        }

        if (next is null)
        {
            BeginFetch(round, now);
        }
        else if (round.Initiator.RoundTrips > _options.MaxRoundTrips)
        {
            FailRound(SyncFailure.RoundTrips, now);
        }
        else
        {
            SendReconcile(round, next);
        }
    }

    private void OnFloor(SyncRound round, SyncFrame frame, long now)
    {
        if (round.Restarted || frame.Milliseconds <= round.FromMilliseconds || frame.Milliseconds >= round.ToMilliseconds)
        {
            // A second move, or a floor that is no move at all (or past the whole range): the responder cannot serve this round.
            FailRound(SyncFailure.Refused, now);
            return;
        }

        round.Restarted = true;
        round.FromMilliseconds = frame.Milliseconds;
        round.Initiator = new SyncInitiator(_ids, _reconciler);
        SendReconcile(round, round.Initiator.Start(round.FromMilliseconds, round.ToMilliseconds, NextSalt()));
    }

    /// <summary>Reconciliation is done: want what this node lacks, push what the responder lacks.</summary>
    private void BeginFetch(SyncRound round, long now)
    {
        var difference = round.Initiator.Difference;
        _counters.DifferencesFound += difference.Need.Count + difference.Have.Count;
        var need = difference.Need.Where(id => !Contains(id) && !_refused.Contains(id)).Order().ToArray();
        var have = difference.Have.Where(Contains).Order().ToArray();
        round.Need = need.Length;
        round.Have = have.Length;
        round.Fetching = true;
        round.Outstanding.UnionWith(need);

        var perWant = Math.Max(1, Math.Min(_options.PageBytes / WantBytesPerId, SyncFrameCodec.MaxCount));
        for (var i = 0; i < need.Length; i += perWant)
        {
            Send(round.Peer, SyncFrameCodec.EncodeWant(round.Id, need.AsSpan(i, Math.Min(perWant, need.Length - i))));
        }

        _counters.MessagesPushed += SendPages(round.Peer, SyncFrameKind.Push, round.Id, have);
        if (round.Outstanding.Count == 0)
        {
            CompleteRound(round, now);
        }
    }

    private void OnMessages(SyncRound round, SyncFrame frame, long now)
    {
        foreach (var entry in frame.Entries)
        {
            if (!round.Outstanding.Remove(entry.Id))
            {
                _counters.Stale++; // not wanted (or already answered)
                continue;
            }

            StoreSynced(entry.Id, entry.Payload, round.Peer, now);
        }

        foreach (var id in frame.Ids)
        {
            if (round.Outstanding.Remove(id))
            {
                _counters.Unobtainable++;
            }
        }

        if (round.Outstanding.Count == 0)
        {
            CompleteRound(round, now);
        }
    }

    private void CompleteRound(SyncRound round, long now)
    {
        _active = null;
        _counters.RoundsCompleted++;
        var stats = PeerStats(round.Peer);
        stats.RoundsOk++;
        stats.LastResult = "ok";
        stats.LastRoundAt = now;
        stats.LastNeed = round.Need;
        stats.LastHave = round.Have;
    }

    private void FailRound(string reason, long now)
    {
        if (_active is not { } round)
        {
            return;
        }

        _active = null;
        _counters.Fail(reason);
        var stats = PeerStats(round.Peer);
        stats.RoundsFailed++;
        stats.LastResult = reason;
        stats.LastRoundAt = now;
        stats.LastNeed = round.Need;
        stats.LastHave = round.Have;
    }

    private void SendReconcile(SyncRound round, byte[] message) =>
        Send(round.Peer, SyncFrameCodec.EncodeReconcile(round.Id, round.FromMilliseconds, message));

    private ulong NextSalt() => (ulong)_random.NextInt64(long.MinValue, long.MaxValue);

    private static long? Min(long? a, long b) => a is { } x ? Math.Min(x, b) : b;
}
