using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>The probe loop: direct ping, indirect pings, TCP fallback, awareness and suspicion on failure.</summary>
internal sealed partial class MembershipEngine
{
    private ProbeState? _probe;
    private readonly Dictionary<uint, AckHandler> _ackHandlers = [];

    /// <summary>
    /// The runtime's TCP fallback ping for <paramref name="seq"/> finished: <paramref name="ok"/> when the
    /// target answered with a matching ack before the deadline. Late or unknown results are ignored.
    /// </summary>
    public void TcpPingCompleted(uint seq, bool ok, TimeSpan now)
    {
        EnsureStarted();
        if (_probe is not { TcpPending: true } probe || probe.Seq != seq)
        {
            return;
        }

        probe.TcpPending = false;
        probe.TcpOk = ok;
        if (probe.PastDeadline)
        {
            ConcludeProbe(probe, now);
        }
    }

    /// <summary>Answer to a TCP ping received by the runtime: the ack to write back, or null to drop it (addressed to another node).</summary>
    public Ack? ReceiveTcpPing(Ping ping, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(ping);
        EnsureStarted();
        if (ping.Node.Length > 0 && ping.Node != Name)
        {
            Counters.Ignored++;
            return null;
        }

        return new Ack(ping.SeqNo);
    }

    private void ProbeTick(TimeSpan now)
    {
        var target = NextProbeTarget(now);
        if (target is null)
        {
            _timers.Schedule(now + Options.ProbeInterval, ProbeTick);
            return;
        }

        StartProbe(target, now);
    }

    /// <summary>memberlist's <c>probe</c>: the next node of the shuffled round, skipping self, dead and left.</summary>
    private NodeState? NextProbeTarget(TimeSpan now)
    {
        for (var checkedCount = 0; checkedCount < _nodes.Count;)
        {
            if (_probeIndex >= _nodes.Count)
            {
                ResetNodes(now);
                _probeIndex = 0;
                checkedCount++;
                continue;
            }

            var node = _nodes[_probeIndex++];
            if (node == _self || node.IsDeadOrLeft)
            {
                checkedCount++;
                continue;
            }

            return node;
        }

        return null;
    }

    /// <summary>End of a round: forget dead and left nodes older than GossipToTheDeadTime, then shuffle.</summary>
    private void ResetNodes(TimeSpan now)
    {
        var removed = _nodes.RemoveAll(n =>
        {
            var reap = n != _self && n.IsDeadOrLeft && now - n.StateChange > Options.GossipToTheDeadTime;
            if (reap)
            {
                _nodeMap.Remove(n.Name);
                n.Suspicion?.Timer?.Cancel();
                n.Suspicion = null;
            }

            return reap;
        });
        if (removed > 0)
        {
            Counters.Reaped += removed;
            Changed();
        }

        for (var i = _nodes.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (_nodes[i], _nodes[j]) = (_nodes[j], _nodes[i]);
        }

        _membersSnapshot = null;
    }

    private void StartProbe(NodeState target, TimeSpan now)
    {
        var interval = MembershipFormulas.ScaleProbeInterval(Options.ProbeInterval, _healthScore);
        var ping = new Ping(++_sequence, target.Name, _advertiseAddr, _advertisePort, Name);
        var probe = new ProbeState(ping, target, now, interval);
        _probe = probe;
        _ackHandlers[ping.SeqNo] = new AckHandler(probe, null);
        Counters.ProbesSent++;
        if (target.State == MemberState.Alive)
        {
            SendMessage(target.EndPoint, ping, target);
        }
        else
        {
            // A suspect gets the accusation with the ping so that it can refute at once.
            var suspect = new Suspect(target.Incarnation, target.Name, Name);
            SendParts(target.EndPoint, [MessageCodec.Encode(ping), MessageCodec.Encode(suspect)], target);
        }

        probe.Timers.Add(_timers.Schedule(now + Options.ProbeTimeout, n => ProbeTimeoutElapsed(probe, n)));
        probe.Timers.Add(_timers.Schedule(probe.Deadline, n => ProbeDeadline(probe, n)));
    }

    private void ProbeTimeoutElapsed(ProbeState probe, TimeSpan now)
    {
        if (_probe != probe)
        {
            return;
        }

        var helpers = RandomNodes(Options.IndirectChecks, n => n == _self || n.Name == probe.TargetName || n.State != MemberState.Alive);
        foreach (var helper in helpers)
        {
            var nack = helper.Vsn.ProtocolMax >= 4;
            if (nack)
            {
                probe.ExpectedNacks++;
            }

            var request = new IndirectPing(probe.Ping.SeqNo, probe.TargetAddr, probe.TargetPort, probe.TargetName, nack, _advertiseAddr, _advertisePort, Name);
            Counters.IndirectProbesSent++;
            SendMessage(helper.EndPoint, request, helper);
        }

        if (!Options.DisableTcpPings && probe.TargetProtocolMax >= 3)
        {
            probe.TcpPending = true;
            Counters.TcpPingsSent++;
            _output.StartTcpPing(probe.TargetEndPoint, probe.Ping, probe.Deadline);
        }
    }

    private void ProbeDeadline(ProbeState probe, TimeSpan now)
    {
        if (_probe != probe)
        {
            return;
        }

        // The ack handler lives until the scaled interval runs out; later acks do not count.
        _ackHandlers.Remove(probe.Ping.SeqNo);
        probe.PastDeadline = true;
        if (probe.TcpPending)
        {
            // Wait a little for the runtime's TCP verdict (its own deadline is the same instant).
            probe.Timers.Add(_timers.Schedule(now + Options.ProbeTimeout, n =>
            {
                probe.TcpPending = false;
                ConcludeProbe(probe, n);
            }));
            return;
        }

        ConcludeProbe(probe, now);
    }

    private void ProbeAcked(ProbeState probe, Ack ack, TimeSpan now)
    {
        if (_probe != probe)
        {
            return;
        }

        ApplyAwareness(-1);
        _output.PingCompleted(probe.TargetName, now - probe.Sent, ack.Payload);
        EndProbe(probe, now);
    }

    private void ConcludeProbe(ProbeState probe, TimeSpan now)
    {
        if (_probe != probe)
        {
            return;
        }

        if (probe.TcpOk)
        {
            // UDP failed both ways but TCP got through: count the node alive (memberlist logs a warning).
            Counters.TcpPingOnlySuccesses++;
            ApplyAwareness(-1);
            EndProbe(probe, now);
            return;
        }

        Counters.ProbeFailures++;
        ApplyAwareness(probe.ExpectedNacks > 0 ? Math.Max(0, probe.ExpectedNacks - probe.Nacks) : 1);
        EndProbe(probe, now);
        SuspectNode(new Suspect(probe.TargetIncarnation, probe.TargetName, Name), now);
    }

    private void EndProbe(ProbeState probe, TimeSpan now)
    {
        _probe = null;
        _ackHandlers.Remove(probe.Ping.SeqNo);
        foreach (var timer in probe.Timers)
        {
            timer.Cancel();
        }

        // memberlist's probe ticker keeps its ProbeInterval grid and a probe that overran starts the next at once.
        var next = probe.Sent + Options.ProbeInterval;
        _timers.Schedule(next > now ? next : now, ProbeTick);
    }

    private void ApplyAwareness(int delta) =>
        _healthScore = Math.Clamp(_healthScore + delta, 0, Options.AwarenessMaxMultiplier - 1);

    /// <summary>The probe in flight (one at a time, as memberlist's blocking probe).</summary>
    private sealed class ProbeState
    {
        public ProbeState(Ping ping, NodeState target, TimeSpan sent, TimeSpan interval)
        {
            Ping = ping;
            TargetName = target.Name;
            TargetAddr = target.Addr;
            TargetPort = target.Port;
            TargetEndPoint = target.EndPoint;
            TargetIncarnation = target.Incarnation;
            TargetProtocolMax = target.Vsn.ProtocolMax;
            Sent = sent;
            Deadline = sent + interval;
        }

        public Ping Ping { get; }

        public uint Seq => Ping.SeqNo;

        public string TargetName { get; }

        public byte[] TargetAddr { get; }

        public ushort TargetPort { get; }

        public System.Net.IPEndPoint TargetEndPoint { get; }

        public uint TargetIncarnation { get; }

        public byte TargetProtocolMax { get; }

        public TimeSpan Sent { get; }

        public TimeSpan Deadline { get; }

        public int ExpectedNacks { get; set; }

        public int Nacks { get; set; }

        public bool TcpPending { get; set; }

        public bool TcpOk { get; set; }

        public bool PastDeadline { get; set; }

        public List<EngineTimer> Timers { get; } = [];
    }

    /// <summary>What to do with an ack (or nack) for a sequence number: finish our probe, or relay for a requester.</summary>
    private sealed record AckHandler(ProbeState? Probe, IndirectRelay? Relay);

    /// <summary>Helper side of an indirect ping: where to relay the ack, and whether to nack.</summary>
    private sealed class IndirectRelay
    {
        public IndirectRelay(uint originalSeq, System.Net.IPEndPoint requester, string requesterName, bool nack)
        {
            OriginalSeq = originalSeq;
            Requester = requester;
            RequesterName = requesterName;
            Nack = nack;
        }

        public uint OriginalSeq { get; }

        public System.Net.IPEndPoint Requester { get; }

        public string RequesterName { get; }

        public bool Nack { get; }

        public EngineTimer? Timer { get; set; }
    }
}
