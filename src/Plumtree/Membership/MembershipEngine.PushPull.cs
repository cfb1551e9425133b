using System.Net;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>Push/pull: periodic anti-entropy, join, the version check and the merge rules.</summary>
internal sealed partial class MembershipEngine
{
    private readonly Dictionary<long, PendingPushPull> _pushPulls = [];
    private readonly Dictionary<long, JoinState> _joins = [];
    private long _nextRequestId;

    /// <summary>
    /// Joins through <paramref name="seeds"/>: asks the runtime for a push/pull with <c>Join = true</c> with
    /// each one. <see cref="IMembershipOutput.JoinCompleted"/> reports the outcome when all have finished.
    /// </summary>
    /// <returns>The join id carried in the <see cref="JoinResult"/>.</returns>
    public long Join(IReadOnlyList<IPEndPoint> seeds, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        EnsureStarted();
        var joinId = ++_nextRequestId;
        var join = new JoinState(joinId, seeds.Count);
        _joins[joinId] = join;
        if (seeds.Count == 0)
        {
            FinishJoin(join);
            return joinId;
        }

        foreach (var seed in seeds)
        {
            StartPushPull(seed, isJoin: true, join, now);
        }

        return joinId;
    }

    /// <summary>
    /// An outbound push/pull finished. <paramref name="remote"/> is the reply, or null with an
    /// <paramref name="error"/>. Returns why the merge failed, or null when the remote state was merged.
    /// Unknown or already completed request ids are ignored (and return an error saying so).
    /// </summary>
    public string? PushPullCompleted(long requestId, PushPull? remote, string? error, TimeSpan now)
    {
        EnsureStarted();
        if (!_pushPulls.Remove(requestId, out var pending))
        {
            return $"Unknown or finished push/pull request {requestId}.";
        }

        pending.Timeout.Cancel();
        var failure = error ?? (remote is null ? "No remote state." : MergeRemoteState(remote, pending.IsJoin, now));
        if (error is not null || remote is null)
        {
            Counters.PushPullFailures++;
        }

        if (pending.Join is { } join)
        {
            if (failure is null)
            {
                join.Succeeded++;
            }
            else
            {
                join.Errors.Add($"{pending.To}: {failure}");
            }

            if (--join.Outstanding == 0)
            {
                FinishJoin(join);
            }
        }

        return failure;
    }

    /// <summary>
    /// An inbound push/pull arrived from <paramref name="from"/>: returns the local state to reply with
    /// (taken before merging, with the request's Join flag) and merges the remote state, unless the
    /// version check rejects it (<see cref="InboundPushPull.MergeError"/>).
    /// </summary>
    public InboundPushPull PushPullReceived(IPEndPoint from, PushPull remote, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(remote);
        EnsureStarted();
        Counters.PushPullsReceived++;
        var reply = LocalState(remote.Join);
        var error = MergeRemoteState(remote, remote.Join, now);
        return new InboundPushPull(reply, error);
    }

    /// <summary>The full local state as a push/pull message (every node in every state, itself included).</summary>
    public PushPull LocalState(bool join) =>
        new(join, [.. _nodes.Select(static n => n.ToPushNodeState())], _output.LocalUserState(join));

    private void PushPullTick(TimeSpan now)
    {
        var targets = RandomNodes(1, n => n == _self || n.State != MemberState.Alive);
        if (targets.Count > 0)
        {
            StartPushPull(targets[0].EndPoint, isJoin: false, join: null, now);
        }

        _timers.Schedule(now + MembershipFormulas.PushPullScale(Options.PushPullInterval, _nodes.Count), PushPullTick);
    }

    private void StartPushPull(IPEndPoint to, bool isJoin, JoinState? join, TimeSpan now)
    {
        var requestId = ++_nextRequestId;

        // A guard in case the runtime never reports: twice its own deadline.
        var timeout = _timers.Schedule(now + (Options.TcpTimeout * 2), n => PushPullCompleted(requestId, null, "Timed out waiting for the push/pull to complete.", n));
        _pushPulls[requestId] = new PendingPushPull(to, isJoin, join, timeout);
        Counters.PushPullsStarted++;
        _output.StartPushPull(requestId, to, LocalState(isJoin));
    }

    private void FinishJoin(JoinState join)
    {
        _joins.Remove(join.Id);
        _output.JoinCompleted(new JoinResult(join.Id, join.Succeeded, join.Errors));
    }

    /// <summary>memberlist's <c>mergeRemoteState</c>: version check, then the node states, then the user state.</summary>
    private string? MergeRemoteState(PushPull remote, bool join, TimeSpan now)
    {
        var nodes = remote.Nodes;
        if (Options.ProtocolVersion < 2 || nodes.Any(static n => n.Port == 0))
        {
            nodes = [.. nodes.Select(n => Options.ProtocolVersion < 2 || n.Port == 0 ? n with { Port = (ushort)Options.BindPort } : n)];
        }

        if (ProtocolVersionCheck.Verify(nodes, _nodes) is { } error)
        {
            Counters.PushPullFailures++;
            return error;
        }

        foreach (var node in nodes)
        {
            switch (node.State)
            {
                case NodeStateKind.Alive:
                    AliveNode(new Alive(node.Incarnation, node.Name, node.Addr, node.Port, node.Meta, node.Vsn), bootstrap: false, now);
                    break;
                case NodeStateKind.Left:
                    DeadNode(new Dead(node.Incarnation, node.Name, node.Name), now);
                    break;
                case NodeStateKind.Dead:
                case NodeStateKind.Suspect:
                    // Another node's verdict is only a reason for our own suspicion, never a death.
                    SuspectNode(new Suspect(node.Incarnation, node.Name, Name), now);
                    break;
                default:
                    Counters.Ignored++;
                    break;
            }
        }

        if (remote.UserState.Length > 0)
        {
            _output.MergeRemoteUserState(remote.UserState, join);
        }

        Counters.PushPullsMerged++;
        return null;
    }

    private sealed record PendingPushPull(IPEndPoint To, bool IsJoin, JoinState? Join, EngineTimer Timeout);

    private sealed class JoinState
    {
        public JoinState(long id, int outstanding)
        {
            Id = id;
            Outstanding = outstanding;
        }

        public long Id { get; }

        public int Outstanding { get; set; }

        public int Succeeded { get; set; }

        public List<string> Errors { get; } = [];
    }
}
