using Plumtree.Broadcast;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// Builds the <see cref="NodeSnapshot"/> the loop publishes, doing as little as the inputs allow: members are
/// converted only when the member table changed, the sorted peer sets are rebuilt only when the broadcast
/// engine's <see cref="BroadcastEngine.PeerSetVersion"/> moved (a broadcast alone reuses them), and graft
/// failures are sampled into the health window. Called from the node's loop only.
/// </summary>
internal sealed class SnapshotBuilder(string self, TimeSpan healthWindow, MemberTagCache tags)
{
    private static readonly TimeSpan GraftFailureSampleInterval = TimeSpan.FromMilliseconds(250);

    private readonly Queue<(TimeSpan At, long Count)> _graftFailureSamples = new();
    private TimeSpan _lastGraftFailureSample;
    private MembershipEngine? _membersEngine;
    private long _membersGeneration = -1;
    private IReadOnlyList<MemberInfo> _members = [];
    private IReadOnlyDictionary<MemberState, int> _memberCounts = NodeSnapshot.CountByState([]);
    private bool _othersKnown;
    private BroadcastSnapshot? _broadcast;
    private long _peerSetVersion;

    /// <summary>The snapshot of the node's state at <paramref name="now"/>.</summary>
    /// <param name="broadcast">The broadcast engine.</param>
    /// <param name="membership">The membership engine in force (null before start).</param>
    /// <param name="everJoined">A join has succeeded since start.</param>
    /// <param name="leaving">The node left (or is leaving) and has not joined again.</param>
    /// <param name="now">Engine time.</param>
    public NodeSnapshot Build(BroadcastEngine broadcast, MembershipEngine? membership, bool everJoined, bool leaving, TimeSpan now)
    {
        if (membership is not null && (membership.Generation != _membersGeneration || !ReferenceEquals(membership, _membersEngine)))
        {
            _membersGeneration = membership.Generation;
            _membersEngine = membership;
            _members = [.. membership.Members.Select(ToInfo)];
            _memberCounts = NodeSnapshot.CountByState(_members);
            _othersKnown = _members.Any(m => !string.Equals(m.Name, self, StringComparison.Ordinal));
        }

        return new NodeSnapshot(
            BroadcastSnapshot(broadcast, now),
            _members,
            _memberCounts,
            membership?.HealthScore ?? 0,
            GraftFailuresInWindow(broadcast.Counters.GraftFailed, now),
            Running: true,
            LoneSeed: !everJoined && !_othersKnown,
            leaving);
    }

    private MemberInfo ToInfo(Member member) =>
        new(member.Name, member.EndPoint, member.State, tags.Tags(member), member.Incarnation, tags.IsCapable(member));

    /// <summary>The engine's snapshot, reusing the previous sorted peer sets while its peer-set stamp is unchanged.</summary>
    private BroadcastSnapshot BroadcastSnapshot(BroadcastEngine engine, TimeSpan now)
    {
        if (_broadcast is null || engine.PeerSetVersion != _peerSetVersion)
        {
            _peerSetVersion = engine.PeerSetVersion;
            return _broadcast = engine.Snapshot(now);
        }

        return _broadcast = _broadcast with
        {
            CacheSize = engine.CacheSize,
            PendingGrafts = engine.PendingGrafts,
            DedupSize = engine.DedupSize,
            ViewSize = engine.View.Count,
            Now = now,
        };
    }

    /// <summary>Graft failures over the last health window, from samples of the engine's counter.</summary>
    private long GraftFailuresInWindow(long current, TimeSpan now)
    {
        if (_graftFailureSamples.Count == 0 || now - _lastGraftFailureSample >= GraftFailureSampleInterval)
        {
            _graftFailureSamples.Enqueue((now, current));
            _lastGraftFailureSample = now;
        }

        // Keep one sample at or before the window's start as the baseline.
        while (_graftFailureSamples.Count > 1 && now - _graftFailureSamples.ElementAt(1).At >= healthWindow)
        {
            _graftFailureSamples.Dequeue();
        }

        return current - _graftFailureSamples.Peek().Count;
    }
}
