using System.Net;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

// Membership wiring: the engine's outputs on the transport, member events into the broadcast view,
// join, leave, rejoin with a fresh engine, and reconnection to failed members.
public sealed partial class PlumtreeNode
{
    private readonly List<MemberEvent> _memberEvents = [];
    private readonly Dictionary<string, IPEndPoint> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<long, TaskCompletionSource<JoinResult>> _joinWaiters = [];
    private readonly Dictionary<long, JoinResult> _finishedJoins = [];
    private readonly HashSet<long> _reconnectJoins = [];
    private readonly Dictionary<string, FailedMember> _failed = new(StringComparer.Ordinal);
    private MembershipEngine? _membership;
    private MembershipSink? _membershipSink;
    private MembershipOptions? _membershipOptions;
    private volatile MembershipCounterSource _membershipCounters = new(MembershipTotals.Zero, null);
    private TaskCompletionSource<bool>? _leaveCompletion;
    private bool _leaving;
    private bool _everJoined;
    private bool _viewDirty;
    private TimeSpan _nextReconnect;

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
            // Give the intent a head start on the memberlist leave (both ride the same gossip).
            var lead = (_membershipOptions?.GossipInterval ?? TimeSpan.FromMilliseconds(200)) * 2;
            if (timeout > TimeSpan.Zero && lead > timeout / 4)
            {
                lead = timeout / 4;
            }

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
        _membershipCounters = new MembershipCounterSource(_membershipCounters.Total, engine.Counters);
        engine.Start(now);
        _viewDirty = true;
        _membersGeneration = -1;
    }

    /// <summary>After a leave: a fresh engine that starts above the incarnation the cluster holds for us.</summary>
    private void ReplaceMembership(TimeSpan now)
    {
        var old = _membership!;
        var incarnation = old.LocalNode.Incarnation;
        foreach (var (id, waiter) in _joinWaiters)
        {
            waiter.TrySetResult(new JoinResult(id, 0, ["The membership engine was replaced for a rejoin."]));
        }

        _joinWaiters.Clear();
        _finishedJoins.Clear();
        _reconnectJoins.Clear();
        _leaveCompletion?.TrySetResult(false);
        _leaveCompletion = null;
        _memberEvents.Clear();
        _addresses.Clear();
        _failed.Clear();
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

        var completion = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = _membership!.Join(seeds, now);
        if (_finishedJoins.Remove(id, out var finished))
        {
            completion.SetResult(finished);
        }
        else
        {
            _joinWaiters[id] = completion;
        }

        return completion.Task;
    }

    private Task<bool> BeginLeave(TimeSpan timeout, TimeSpan now)
    {
        if (_leaving)
        {
            return _leaveCompletion?.Task ?? Task.FromResult(true);
        }

        _leaving = true;
        _joined = false;
        _viewDirty = true;
        _leaveCompletion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _leaveCompletion.Task;
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
            _everJoined = true;
            _joined = true;
        }

        if (_reconnectJoins.Remove(result.JoinId))
        {
            if (result.Succeeded > 0)
            {
                NodeLog.Reconnected(_logger, Name);
            }

            return;
        }

        NodeLog.JoinCompleted(_logger, Name, result.Succeeded, result.Errors.Count, string.Join("; ", result.Errors));
        if (_joinWaiters.Remove(result.JoinId, out var waiter))
        {
            // JoinAsync returns only once Members and the peer sets show the merged members.
            CompleteAfterPublish(() => waiter.TrySetResult(result));
        }
        else
        {
            _finishedJoins[result.JoinId] = result;
        }
    }

    private void OnLeaveCompleted(MembershipSink sink, bool broadcastSent)
    {
        if (ReferenceEquals(sink, _membershipSink))
        {
            NodeLog.LeaveCompleted(_logger, Name, broadcastSent);
            if (_leaveCompletion is { } completion)
            {
                CompleteAfterPublish(() => completion.TrySetResult(broadcastSent));
            }
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

    /// <summary>UDP out: assemble the parts (compound when several) and send; best effort.</summary>
    private void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc)
    {
        if (_transport is not { } transport)
        {
            return;
        }

        foreach (var message in OutgoingPacket.Assemble(parts))
        {
            var sending = transport.SendPacketAsync(to, message, crc, _stopping.Token);
            if (!sending.IsCompletedSuccessfully)
            {
                _background.Track(sending.AsTask());
            }
        }
    }

    private void StartPushPull(MembershipSink sink, long requestId, IPEndPoint to, PushPull local)
    {
        var transport = _transport!;
        _background.Track(Task.Run(async () =>
        {
            PushPull? remote = null;
            string? error = null;
            try
            {
                remote = await transport.PushPullAsync(to, local, _stopping.Token).ConfigureAwait(false);
            }
            catch (MemberlistStreamException e)
            {
                error = e.Message;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            await PostAsync(
                now =>
                {
                    if (ReferenceEquals(sink, _membershipSink) && sink.Engine is { } engine)
                    {
                        var failure = engine.PushPullCompleted(requestId, remote, error, now);
                        if (failure is not null)
                        {
                            NodeLog.PushPullFailed(_logger, to, failure);
                        }
                    }
                },
                _stopping.Token).ConfigureAwait(false);
        }));
    }

    private void StartTcpPing(MembershipSink sink, IPEndPoint to, Ping ping, TimeSpan deadline)
    {
        var transport = _transport!;
        var timeout = deadline - Now;
        _background.Track(Task.Run(async () =>
        {
            bool ok;
            try
            {
                ok = await transport.TcpPingAsync(to, ping, timeout, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            await PostAsync(
                now =>
                {
                    if (ReferenceEquals(sink, _membershipSink))
                    {
                        sink.Engine?.TcpPingCompleted(ping.SeqNo, ok, now);
                    }
                },
                _stopping.Token).ConfigureAwait(false);
        }));
    }

    /// <summary>Member events collected during engine calls: addresses, dead peers' connections, the broadcast view.</summary>
    private void DrainMembershipEffects(TimeSpan now)
    {
        if (_memberEvents.Count > 0)
        {
            var events = _memberEvents.ToArray();
            _memberEvents.Clear();
            foreach (var change in events)
            {
                OnMemberChanged(change, now);
            }
        }

        if (_viewDirty)
        {
            _viewDirty = false;
            UpdateView(now);
        }
    }

    private void OnMemberChanged(MemberEvent change, TimeSpan now)
    {
        var member = change.Member;
        var isSelf = string.Equals(member.Name, Name, StringComparison.Ordinal);
        switch (change.Kind)
        {
            case MemberEventKind.Join:
            case MemberEventKind.Update:
            case MemberEventKind.Alive:
            case MemberEventKind.Suspect:
                _addresses[member.Name] = member.EndPoint;
                _failed.Remove(member.Name);
                break;
            case MemberEventKind.Dead:
            case MemberEventKind.Left:
                _addresses.Remove(member.Name);
                if (!isSelf)
                {
                    _streams?.DisconnectPeer(member.Name);
                    if (change.Kind == MemberEventKind.Dead)
                    {
                        _failed[member.Name] = new FailedMember(member.EndPoint, now);
                    }
                    else
                    {
                        _failed.Remove(member.Name);
                    }
                }

                break;
        }

        if (!isSelf)
        {
            NodeLog.MemberChanged(_logger, Name, member.Name, change.Kind, member.EndPoint, member.Incarnation);
            PublishMemberChanged(change);
        }

        _viewDirty = true;
    }

    /// <summary>Rebuilds the broadcast view from the <c>pt</c>-tagged alive and suspect members (empty after a leave).</summary>
    private void UpdateView(TimeSpan now)
    {
        if (_leaving || _membership is null)
        {
            if (_broadcast.View.Count > 0)
            {
                _broadcast.SetView(PeerView.Empty, now);
                foreach (var peer in _streams?.Peers ?? [])
                {
                    _streams!.DisconnectPeer(peer);
                }

                NodeLog.ViewChanged(_logger, Name, 0);
            }

            return;
        }

        var names = PlumtreePeers.Names(_membership.Members);
        var current = _broadcast.View;
        if (names.Count == current.Count && names.All(current.Contains))
        {
            return;
        }

        _broadcast.SetView(PeerView.Create(names, _membership.Generation), now);
        NodeLog.ViewChanged(_logger, Name, names.Count);
    }

    /// <summary>Like serf's reconnect: now and then, a push/pull join with a member that failed (a healed partition merges back).</summary>
    private void ReconnectFailed(TimeSpan now)
    {
        if (_leaving || _membership is null || _failed.Count == 0 || now < _nextReconnect)
        {
            return;
        }

        _nextReconnect = now + _options.ReconnectInterval;
        var expired = _failed.Where(f => now - f.Value.FailedAt > _options.ReconnectTimeout).Select(static f => f.Key).ToList();
        expired.ForEach(name => _failed.Remove(name));
        if (_failed.Count == 0)
        {
            return;
        }

        var pick = _failed.ElementAt(_runtimeRandom.Next(_failed.Count));
        var id = _membership.Join([pick.Value.EndPoint], now);
        _reconnectJoins.Add(id);
    }

    private sealed record FailedMember(IPEndPoint EndPoint, TimeSpan FailedAt);

    /// <summary>The membership engine's outputs; one sink per engine so a replaced engine's late results are ignored.</summary>
    private sealed class MembershipSink(PlumtreeNode owner) : IMembershipOutput
    {
        public MembershipEngine? Engine => ReferenceEquals(owner._membershipSink, this) ? owner._membership : null;

        public void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc) => owner.SendPacket(to, parts, crc);

        public void StartTcpPing(IPEndPoint to, Ping ping, TimeSpan deadline) => owner.StartTcpPing(this, to, ping, deadline);

        public void StartPushPull(long requestId, IPEndPoint to, PushPull local) => owner.StartPushPull(this, requestId, to, local);

        public void MemberChanged(MemberEvent change) => owner._memberEvents.Add(change);

        public void DeliverUserMessage(ReadOnlyMemory<byte> payload) => owner.OnUserMessage(payload);

        public void JoinCompleted(JoinResult result) => owner.OnJoinCompleted(this, result);

        public void LeaveCompleted(bool broadcastSent) => owner.OnLeaveCompleted(this, broadcastSent);

        public void PingCompleted(string node, TimeSpan rtt, byte[]? payload) => owner._broadcast.ObserveRtt(node, rtt);

        public void MergeRemoteUserState(ReadOnlyMemory<byte> state, bool join) => owner.OnRemoteUserState(state);
    }
}
