using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Plumtree.Membership;

namespace Plumtree.Node;

// Published state: the snapshot readers use, the queries on it, housekeeping, and delivery subscribers.
public sealed partial class PlumtreeNode
{
    private static readonly TimeSpan GraftFailureSampleInterval = TimeSpan.FromMilliseconds(250);

    private readonly Queue<(TimeSpan At, long Count)> _graftFailureSamples = new();
    private readonly HashSet<string> _loggedDropReasons = new(StringComparer.Ordinal);
    private readonly Lock _subscribersLock = new();
    private volatile NodeSnapshot _snapshot;
    private Channel<ReceivedMessage>[] _subscribers = [];
    private Action<ReceivedMessage>? _messageReceived;
    private Action<MemberEvent>? _memberChanged;
    private long _membersGeneration = -1;
    private TimeSpan _lastGraftFailureSample;
    private bool _othersKnown;
    private MembershipEngine? _membersEngine;
    private IReadOnlyList<MemberInfo> _members = [];
    private IReadOnlyDictionary<MemberState, int> _memberCounts = NodeSnapshot.CountByState([]);

    /// <summary>Raised on the node's loop for every delivery; handlers must be quick and must not block (an exception is logged and ignored).</summary>
    public event Action<ReceivedMessage>? MessageReceived
    {
        add
        {
            lock (_subscribersLock)
            {
                _messageReceived += value;
            }
        }

        remove
        {
            lock (_subscribersLock)
            {
                _messageReceived -= value;
            }
        }
    }

    /// <summary>
    /// Raised on the node's loop for every change this node sees in another member (join, update, suspect, alive again,
    /// dead, left: memberlist's event delegate, as serf's member events), with the member's state after the change.
    /// Handlers must be quick and must not block (an exception is logged and ignored).
    /// </summary>
    public event Action<MemberEvent>? MemberChanged
    {
        add
        {
            lock (_subscribersLock)
            {
                _memberChanged += value;
            }
        }

        remove
        {
            lock (_subscribersLock)
            {
                _memberChanged -= value;
            }
        }
    }

    /// <summary>Every member this node knows, itself included.</summary>
    public IReadOnlyList<MemberInfo> Members => _snapshot.Members;

    /// <summary>Current eager peers, sorted.</summary>
    public IReadOnlyList<string> EagerPeers => _snapshot.Broadcast.EagerPeers;

    /// <summary>Current lazy peers, sorted.</summary>
    public IReadOnlyList<string> LazyPeers => _snapshot.Broadcast.LazyPeers;

    /// <summary>Current hash-ring neighbours, sorted.</summary>
    public IReadOnlyList<string> RingNeighbors => _snapshot.Broadcast.RingNeighbors;

    /// <summary>Cached message payloads.</summary>
    public int CacheSize => _snapshot.Broadcast.CacheSize;

    /// <summary>The latest published snapshot (for metrics and tests).</summary>
    internal NodeSnapshot Snapshot => _snapshot;

    /// <summary>The recovery guide's state export: peer sets, ring neighbours, cache, pending grafts, members by state, and when it was taken.</summary>
    public StateExport ExportState()
    {
        var snapshot = _snapshot;
        var broadcast = snapshot.Broadcast;
        return new StateExport(
            Name,
            broadcast.EagerPeers,
            broadcast.LazyPeers,
            broadcast.RingNeighbors,
            broadcast.CacheSize,
            broadcast.PendingGrafts,
            snapshot.MemberCounts,
            _time.GetUtcNow());
    }

    /// <summary>
    /// Deliveries from the moment enumeration starts, as an async stream. Each reader gets every message in
    /// its own buffer of <see cref="PlumtreeNodeOptions.SubscriberBufferCapacity"/>; a slow reader loses the
    /// oldest (counted in <c>plumtree_dropped_total{reason="subscriber_overflow"}</c>). The stream ends when
    /// the node stops or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async IAsyncEnumerable<ReceivedMessage> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<ReceivedMessage>(
            new BoundedChannelOptions(_options.SubscriberBufferCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = true,
            },
            _ => _dropped.Increment("subscriber_overflow"));
        lock (_subscribersLock)
        {
            if (State is Lifecycle.Stopping or Lifecycle.Stopped)
            {
                yield break;
            }

            _subscribers = [.. _subscribers, channel];
        }

        try
        {
            await foreach (var message in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
        finally
        {
            lock (_subscribersLock)
            {
                _subscribers = [.. _subscribers.Where(c => !ReferenceEquals(c, channel))];
            }
        }
    }

    private void PublishDelivery(ReceivedMessage message)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(message);
        }

        var handler = Volatile.Read(ref _messageReceived);
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(message);
        }
        catch (Exception e)
        {
            NodeLog.SubscriberFailed(_logger, nameof(MessageReceived), Name, e);
        }
    }

    private void PublishMemberChanged(MemberEvent change)
    {
        var handler = Volatile.Read(ref _memberChanged);
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(change);
        }
        catch (Exception e)
        {
            NodeLog.SubscriberFailed(_logger, nameof(MemberChanged), Name, e);
        }
    }

    private void CompleteSubscribers()
    {
        lock (_subscribersLock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }

            _subscribers = [];
        }
    }

    /// <summary>Builds and publishes the snapshot (members are converted only when the member table changed).</summary>
    private void PublishSnapshot(TimeSpan now)
    {
        var membership = _membership;
        if (membership is not null && (membership.Generation != _membersGeneration || !ReferenceEquals(membership, _membersEngine)))
        {
            _membersGeneration = membership.Generation;
            _membersEngine = membership;
            _members = [.. membership.Members.Select(ToInfo)];
            _memberCounts = NodeSnapshot.CountByState(_members);
            _othersKnown = _members.Any(m => !string.Equals(m.Name, Name, StringComparison.Ordinal));
        }

        var loneSeed = !_everJoined && !_othersKnown;
        _snapshot = new NodeSnapshot(
            _broadcast.Snapshot(now),
            _members,
            _memberCounts,
            membership?.HealthScore ?? 0,
            GraftFailuresInWindow(now),
            Running: true,
            loneSeed,
            _leaving);
    }

    private static MemberInfo ToInfo(Member member) =>
        new(member.Name, member.EndPoint, member.State, NodeMeta.Decode(member.Meta), member.Incarnation, PlumtreePeers.IsCapable(member));

    /// <summary>Graft failures over the last <see cref="PlumtreeNodeOptions.HealthWindow"/>, from samples of the engine's counter.</summary>
    private long GraftFailuresInWindow(TimeSpan now)
    {
        var current = _broadcast.Counters.GraftFailed;
        if (_graftFailureSamples.Count == 0 || now - _lastGraftFailureSample >= GraftFailureSampleInterval)
        {
            _graftFailureSamples.Enqueue((now, current));
            _lastGraftFailureSample = now;
        }

        // Keep one sample at or before the window's start as the baseline.
        while (_graftFailureSamples.Count > 1 && now - _graftFailureSamples.ElementAt(1).At >= _options.HealthWindow)
        {
            _graftFailureSamples.Dequeue();
        }

        return current - _graftFailureSamples.Peek().Count;
    }

    private void Housekeeping(TimeSpan now)
    {
        ReconnectFailed(now);
        foreach (var (reason, _) in DroppedByReason())
        {
            if (_loggedDropReasons.Add(reason))
            {
                NodeLog.FirstDrop(_logger, Name, reason);
            }
        }
    }
}
