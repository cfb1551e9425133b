using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

// Membership wiring: the engine's outputs on the transport, its member events to MembershipEffects,
// join, leave, rejoin with a fresh engine, and reconnection to failed members.
public sealed partial class PlumtreeNode
{
    private MembershipEngine? _membership;
    private MembershipSink? _membershipSink;
    private MembershipOptions? _membershipOptions;
    private bool _leaving;
    private bool _everJoined;

    /// <summary>The serf clock, for tests.</summary>
    internal ulong SerfClock => _serf.Clock;

    /// <summary>
    /// Joins the cluster through <paramref name="seeds"/> (push/pull with each). Returns how many seeds were
    /// contacted; throws <see cref="PlumtreeJoinException"/> when none could be. After <see cref="LeaveAsync"/>
    /// the node rejoins with a fresh member table and an incarnation above the one it left with, so every
    /// member takes it back as alive.
    /// </summary>
    /// <exception cref="ArgumentException">No seeds.</exception>
    /// <exception cref="PlumtreeJoinException">No seed answered.</exception>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public async Task<int> JoinAsync(IEnumerable<IPEndPoint> seeds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var list = seeds.ToList();
        if (list.Count == 0 || list.Exists(static s => s is null))
        {
            throw new ArgumentException("At least one seed address is needed (and none may be null).", nameof(seeds));
        }

        var pending = await InvokeAsync(now => BeginJoin(list, now), cancellationToken).ConfigureAwait(false);
        var result = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (result.Succeeded == 0)
        {
            var errors = result.Errors.Select(static e => (Exception)new IOException(e)).ToList();
            throw new PlumtreeJoinException(
                $"Could not join through any of {list.Count} seed(s): {string.Join("; ", result.Errors)}",
                errors);
        }

        return result.Succeeded;
    }

    /// <summary>
    /// Leaves gracefully: announces the departure and waits up to <paramref name="timeout"/> for it to spread
    /// (zero or less: starts the leave and returns). In serf mode a serf leave intent goes out first, so serf
    /// lists the node as <c>left</c> rather than <c>failed</c>. The node drops its broadcast peers, keeps
    /// running and may <see cref="JoinAsync"/> again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public async Task LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        EnsureRunning();
        if (_options.Compatibility == ClusterCompatibility.Serf
            && await InvokeAsync(QueueSerfLeaveIntent, cancellationToken).ConfigureAwait(false))
        {
            var lead = SerfCompatibility.LeaveIntentLead(_membershipOptions?.GossipInterval, timeout);
            await Task.Delay(lead, _time, cancellationToken).ConfigureAwait(false);
        }

        var done = await InvokeAsync(now => BeginLeave(timeout, now), cancellationToken).ConfigureAwait(false);
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            var sent = await done.WaitAsync(timeout + TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            if (!sent)
            {
                NodeLog.LeaveTimedOut(_logger, Name, timeout);
            }
        }
        catch (TimeoutException)
        {
            NodeLog.LeaveTimedOut(_logger, Name, timeout);
        }
    }

    private void CreateMembership(uint initialIncarnation, TimeSpan now)
    {
        var sink = new MembershipSink(this);
        var overhead = _membershipOptions!.GossipVerifyOutgoing ? NodeKeys.PacketOverhead(_keyring) : 0;
        var engine = new MembershipEngine(_membershipOptions, sink, _membershipRandom, overhead, initialIncarnation);
        _membershipSink = sink;
        _membership = engine;
        _counters.MembershipStarted(engine.Counters);
        engine.Start(now);
        _effects.ViewChanged();
    }

    /// <summary>After a leave: a fresh engine that starts above the incarnation the cluster holds for us.</summary>
    private void ReplaceMembership(TimeSpan now)
    {
        var old = _membership!;
        var incarnation = old.LocalNode.Incarnation;
        _joins.Abandon("The membership engine was replaced for a rejoin.");
        _reconnector.Clear();
        _effects.Clear();
        _leaving = false;
        CreateMembership(incarnation, now);
        NodeLog.Rejoining(_logger, Name, incarnation + 1);
    }

    private Task<JoinResult> BeginJoin(List<IPEndPoint> seeds, TimeSpan now)
    {
        if (_leaving)
        {
            ReplaceMembership(now);
        }

        return _joins.Wait(_membership!.Join(seeds, now));
    }

    private Task<bool> BeginLeave(TimeSpan timeout, TimeSpan now)
    {
        if (_leaving)
        {
            return _joins.Leave ?? Task.FromResult(true);
        }

        _leaving = true;
        _joined = false;
        _effects.ViewChanged();
        var task = _joins.BeginLeave();
        NodeLog.Leaving(_logger, Name);
        _membership!.Leave(now, timeout);
        return task;
    }

    private void OnJoinCompleted(MembershipSink sink, JoinResult result)
    {
        if (!ReferenceEquals(sink, _membershipSink))
        {
            return;
        }

        if (result.Succeeded > 0 && !_leaving)
        {
            if (!_everJoined)
            {
                // What was minted before this node first joined is history it catches up, not something a partition
                // kept from the cluster: it is never re-injected (strictly later ids only, see OnRecovered).
                _reinjectAfterUnixMilliseconds = Math.Max(_reinjectAfterUnixMilliseconds, UnixNow);
            }

            _everJoined = true;
            _joined = true;
        }

        if (_reconnector.Finished(result.JoinId))
        {
            if (result.Succeeded > 0)
            {
                NodeLog.Reconnected(_logger, Name);
            }

            return;
        }

        NodeLog.JoinCompleted(_logger, Name, result.Succeeded, result.Errors.Count, string.Join("; ", result.Errors));
        _joins.JoinCompleted(result);
    }

    private void OnLeaveCompleted(MembershipSink sink, bool broadcastSent)
    {
        if (ReferenceEquals(sink, _membershipSink))
        {
            NodeLog.LeaveCompleted(_logger, Name, broadcastSent);
            _joins.LeaveCompleted(broadcastSent);
        }
    }

    private void OnPacket(PacketInput input, TimeSpan now)
    {
        if (_membership is not { } engine)
        {
            return;
        }

        foreach (var message in input.Packet.Messages)
        {
            engine.ReceivePacket(input.From, message, now);
        }
    }

    private async ValueTask<PushPull> OnPushPullRequestedAsync(IPEndPoint from, PushPull remote, CancellationToken cancellationToken) =>
        await InvokeAsync(
            now =>
            {
                var engine = _membership ?? throw new InvalidOperationException("The membership engine is not running.");
                var result = engine.PushPullReceived(from, remote, now);
                if (result.MergeError is { } error)
                {
                    NodeLog.PushPullRejected(_logger, from, error);
                }

                return result.Reply;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>Applies the member events collected during engine calls (see <see cref="MembershipEffects"/>).</summary>
    private void DrainMembershipEffects(TimeSpan now)
    {
        _effects.Apply(_membership, _leaving, now);
        UpdateSyncPeers();
    }

    /// <summary>Like serf's reconnect: now and then, a push/pull join with a member that failed (a healed partition merges back).</summary>
    private void ReconnectFailed(TimeSpan now)
    {
        if (!_leaving && _membership is { } engine && _reconnector.Due(now) is { } target)
        {
            _reconnector.Started(engine.Join([target], now));
        }
    }

    /// <summary>In serf mode, a memberlist user message or serf push/pull state moves serf's clock; undecodable ones are counted.</summary>
    private void OnSerfInput(SerfInputResult result)
    {
        if (result.DecodeErrorLayer is { } layer)
        {
            _counters.DecodeErrors.Increment(layer);
        }
    }

    /// <summary>Queues serf's <c>messageLeave</c> for this node on memberlist's user broadcast queue; false when not joined.</summary>
    private bool QueueSerfLeaveIntent(TimeSpan now)
    {
        if (_membership is not { } engine || _leaving)
        {
            return false;
        }

        engine.QueueUserBroadcast(_serf.LeaveIntent(Name, out var time));
        NodeLog.SerfLeaveIntent(_logger, Name, time);
        return true;
    }

    /// <summary>The membership engine's outputs; one sink per engine so a replaced engine's late results are ignored.</summary>
    private sealed class MembershipSink(PlumtreeNode owner) : IMembershipOutput
    {
        public MembershipEngine? Engine => ReferenceEquals(owner._membershipSink, this) ? owner._membership : null;

        public void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc) => owner._memberlistIo?.SendPacket(to, parts, crc);

        public void StartTcpPing(IPEndPoint to, Ping ping, TimeSpan deadline) =>
            owner._memberlistIo?.TcpPing(to, ping, deadline - owner.Now, (ok, now) => Engine?.TcpPingCompleted(ping.SeqNo, ok, now));

        public void StartPushPull(long requestId, IPEndPoint to, PushPull local) =>
            owner._memberlistIo?.PushPull(to, local, (remote, error, now) =>
            {
                if (Engine?.PushPullCompleted(requestId, remote, error, now) is { } failure)
                {
                    NodeLog.PushPullFailed(owner._logger, to, failure);
                }
            });

        public void MemberChanged(MemberEvent change) => owner._effects.MemberChanged(change);

        public void DeliverUserMessage(ReadOnlyMemory<byte> payload) => owner.OnSerfInput(owner._serf.ReceiveUserMessage(payload));

        public void JoinCompleted(JoinResult result) => owner.OnJoinCompleted(this, result);

        public void LeaveCompleted(bool broadcastSent) => owner.OnLeaveCompleted(this, broadcastSent);

        public void PingCompleted(string node, TimeSpan rtt, byte[]? payload) => owner._broadcast.ObserveRtt(node, rtt);

        public void MergeRemoteUserState(ReadOnlyMemory<byte> state, bool join) => owner.OnSerfInput(owner._serf.ReceiveRemoteState(state));
    }
}
