using Plumtree.Sync;

namespace Plumtree.Simulator.Metrics;

/// <summary>Sync counters summed over nodes at one moment.</summary>
internal sealed record SyncTotals
{
    public long RoundsStarted { get; init; }

    public long RoundsCompleted { get; init; }

    public long MessagesRecovered { get; init; }

    public long MessagesPushed { get; init; }

    public long MessagesServed { get; init; }

    /// <summary>Messages received through sync that were already held (the tree delivered them meanwhile).</summary>
    public long Duplicates { get; init; }

    public long DifferencesFound { get; init; }

    public long Stale { get; init; }

    public long BytesSent { get; init; }

    public long BytesReceived { get; init; }

    /// <summary>Failed rounds by reason (every key of <see cref="SyncFailure.All"/>).</summary>
    public required IReadOnlyDictionary<string, long> Failures { get; init; }

    public long RoundsFailed => Failures.Values.Sum();

    /// <summary>Sums counters.</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, long> _failures = SyncFailure.All.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal);
        private long _started, _completed, _recovered, _pushed, _served, _duplicates, _differences, _stale, _sent, _received;

        public void Add(SyncCounters c)
        {
            _started += c.RoundsStarted;
            _completed += c.RoundsCompleted;
            _recovered += c.MessagesRecovered;
            _pushed += c.MessagesPushed;
            _served += c.MessagesServed;
            _duplicates += c.Duplicates;
            _differences += c.DifferencesFound;
            _stale += c.Stale;
            _sent += c.BytesSent;
            _received += c.BytesReceived;
            foreach (var (reason, count) in c.Failures)
            {
                _failures[reason] = _failures.GetValueOrDefault(reason) + count;
            }
        }

        public void Add(Builder other)
        {
            _started += other._started;
            _completed += other._completed;
            _recovered += other._recovered;
            _pushed += other._pushed;
            _served += other._served;
            _duplicates += other._duplicates;
            _differences += other._differences;
            _stale += other._stale;
            _sent += other._sent;
            _received += other._received;
            foreach (var (reason, count) in other._failures)
            {
                _failures[reason] = _failures.GetValueOrDefault(reason) + count;
            }
        }

        public SyncTotals Build() => new()
        {
            RoundsStarted = _started,
            RoundsCompleted = _completed,
            MessagesRecovered = _recovered,
            MessagesPushed = _pushed,
            MessagesServed = _served,
            Duplicates = _duplicates,
            DifferencesFound = _differences,
            Stale = _stale,
            BytesSent = _sent,
            BytesReceived = _received,
            Failures = new Dictionary<string, long>(_failures, StringComparer.Ordinal),
        };
    }
}
