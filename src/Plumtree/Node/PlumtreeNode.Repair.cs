using Plumtree.Wire;

namespace Plumtree.Node;

// Missing messages: announced by IHave but not yet delivered. The runtime watches them to measure graft
// latency and, when the engine has given up on one (its announcers and graft attempts ran out, typically
// because frames were lost), feeds the announcements again for a few more rounds of grafts.
public sealed partial class PlumtreeNode
{
    /// <summary>Missing messages tracked at most (beyond that, new announcements are left to the engine alone).</summary>
    private const int MaxTrackedMissing = 65_536;

    /// <summary>Extra graft rounds the runtime starts for a message after the engine gave up on it.</summary>
    internal const int MissingRetryRounds = 3;

    private readonly Dictionary<MessageId, MissingMessage> _missing = [];

    /// <summary>Messages announced to this node and not yet delivered (for tests).</summary>
    internal int TrackedMissing => Volatile.Read(ref _trackedMissing);

    private int _trackedMissing;

    private void TrackAnnouncements(string from, in PlumtreeFrame frame, TimeSpan now)
    {
        if (!_broadcast.View.Contains(from))
        {
            return;
        }

        foreach (var entry in frame.Entries.Span)
        {
            if (entry.Id.IsEmpty || entry.Hop < 0)
            {
                continue;
            }

            if (_missing.TryGetValue(entry.Id, out var missing))
            {
                missing.AddAnnouncer(from, entry.Hop, _broadcastOptions.MaxAnnouncers);
                continue;
            }

            if (_missing.Count >= MaxTrackedMissing || _broadcast.Remembers(entry.Id))
            {
                continue;
            }

            missing = new MissingMessage(now);
            missing.AddAnnouncer(from, entry.Hop, _broadcastOptions.MaxAnnouncers);
            _missing.Add(entry.Id, missing);
        }

        _trackedMissing = _missing.Count;
    }

    private void NoteGraftSent(MessageId id)
    {
        if (_missing.TryGetValue(id, out var missing))
        {
            missing.Grafted = true;
        }
    }

    private void NoteDelivered(MessageId id, TimeSpan now)
    {
        if (_missing.Count > 0 && _missing.Remove(id, out var missing))
        {
            _trackedMissing = _missing.Count;
            if (missing.Grafted)
            {
                _metrics.RecordGraftLatency((now - missing.FirstAnnounced).TotalSeconds);
            }
        }
    }

    /// <summary>Housekeeping: a new round of grafts for messages the engine gave up on, a few times, then let go.</summary>
    private void RetryMissing(TimeSpan now)
    {
        if (_missing.Count == 0)
        {
            return;
        }

        if (_leaving)
        {
            _missing.Clear();
            _trackedMissing = 0;
            return;
        }

        var options = _broadcastOptions;
        var round = options.GraftTimeout + (options.GraftRetryTimeout * options.MaxGraftAttempts);
        HashSet<string>? peers = null;
        List<MessageId>? done = null;
        foreach (var (id, missing) in _missing)
        {
            if (_broadcast.Remembers(id))
            {
                (done ??= []).Add(id);
                continue;
            }

            if (now - missing.LastRound < round || _broadcast.AnnouncersOf(id).Count > 0)
            {
                continue; // the engine is still on it
            }

            if (missing.Rounds >= MissingRetryRounds)
            {
                (done ??= []).Add(id);
                NodeLog.MissingMessageAbandoned(_logger, Name, id, missing.Rounds);
                continue;
            }

            peers ??= [.. _broadcast.EagerPeers, .. _broadcast.LazyPeers];
            missing.Rounds++;
            missing.LastRound = now;
            var fed = 0;
            foreach (var (announcer, hop) in missing.Announcers)
            {
                if (peers.Contains(announcer))
                {
                    _broadcast.Receive(announcer, PlumtreeFrame.IHave(new[] { new IHaveEntry(id, hop) }), now);
                    fed++;
                }
            }

            if (fed == 0)
            {
                (done ??= []).Add(id);
            }
        }

        done?.ForEach(id => _missing.Remove(id));
        _trackedMissing = _missing.Count;
    }

    /// <summary>One missing message: when it was first announced, by whom, and the runtime's retry rounds.</summary>
    private sealed class MissingMessage(TimeSpan firstAnnounced)
    {
        private readonly List<(string Announcer, int Hop)> _announcers = new(2);

        public TimeSpan FirstAnnounced { get; } = firstAnnounced;

        public TimeSpan LastRound { get; set; } = firstAnnounced;

        public int Rounds { get; set; }

        public bool Grafted { get; set; }

        public IReadOnlyList<(string Announcer, int Hop)> Announcers => _announcers;

        public void AddAnnouncer(string announcer, int hop, int max)
        {
            if (_announcers.Count < max && !_announcers.Exists(a => string.Equals(a.Announcer, announcer, StringComparison.Ordinal)))
            {
                _announcers.Add((announcer, hop));
            }
        }
    }
}
