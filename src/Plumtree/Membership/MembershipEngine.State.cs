using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>Alive, suspect and dead handling, incarnations and refutation (memberlist's <c>state.go</c>).</summary>
internal sealed partial class MembershipEngine
{
    /// <summary>memberlist's <c>aliveNode</c>.</summary>
    /// <param name="alive">The message.</param>
    /// <param name="bootstrap">Our own announcement (start, meta update): applied and gossiped, never refuted.</param>
    /// <param name="now">Engine time.</param>
    private void AliveNode(Alive alive, bool bootstrap, TimeSpan now)
    {
        var isLocal = alive.Node == Name;
        if (_leaving && isLocal)
        {
            return;
        }

        // memberlist ignores versions that are wrong (0, or min above max). It stores an alive without Vsn as version 0,
        // which then fails every later push/pull's version check, so one spoofed packet blocks joins through this node
        // (memberlist 0.2.2 behaves so too). Every memberlist and serf node sends its Vsn: an alive without one is
        // ignored here.
        if (alive.Vsn is not { } v || v.ProtocolMin == 0 || v.ProtocolMax == 0 || v.ProtocolMin > v.ProtocolMax)
        {
            Counters.Ignored++;
            return;
        }

        if (!MemberlistAddress.TryFromWire(alive.Addr, out var address))
        {
            // Go would store it, but a node without a usable address can never be probed or reached.
            Counters.Ignored++;
            return;
        }

        var updatesNode = false;
        if (!_nodeMap.TryGetValue(alive.Node, out var state))
        {
            state = new NodeState(alive.Node, alive.Addr!, address, alive.Port) { Meta = alive.Meta, Vsn = v };
            _nodeMap[alive.Node] = state;

            // A random position keeps the expected detection bound low (appending everywhere would not).
            var offset = _random.Next(_nodes.Count + 1);
            _nodes.Add(state);
            (_nodes[offset], _nodes[^1]) = (_nodes[^1], _nodes[offset]);
            Changed();
        }
        else if (!state.SameAddress(alive.Addr, alive.Port))
        {
            var canReclaim = Options.DeadNodeReclaimTime > TimeSpan.Zero && now - state.StateChange > Options.DeadNodeReclaimTime;
            if (state.State == MemberState.Left || (state.State == MemberState.Dead && canReclaim))
            {
                updatesNode = true;
            }
            else
            {
                Counters.Conflicts++;
                return;
            }
        }

        if (alive.Incarnation <= state.Incarnation && !isLocal && !updatesNode)
        {
            return;
        }

        if (alive.Incarnation < state.Incarnation && isLocal)
        {
            return;
        }

        ClearSuspicion(state);
        var oldState = state.State;
        var oldMeta = state.Meta;
        if (!bootstrap && isLocal)
        {
            // Someone speaks for us: same incarnation and the same meta and versions is just an echo.
            if (alive.Incarnation == state.Incarnation && ByteArrays.Equal(alive.Meta, state.Meta) && alive.Vsn == state.Vsn)
            {
                return;
            }

            Refute(state, alive.Incarnation);
            return;
        }

        Broadcast(alive.Node, alive);
        state.Vsn = v;

        state.Incarnation = alive.Incarnation;
        state.Meta = alive.Meta;
        if (updatesNode)
        {
            state.SetAddress(alive.Addr!, address, alive.Port);
        }

        if (state.State != MemberState.Alive)
        {
            state.SetState(MemberState.Alive, now);
        }

        Changed();
        var metaChanged = !ByteArrays.Equal(oldMeta, state.Meta);
        if (oldState is MemberState.Dead or MemberState.Left)
        {
            Emit(MemberEventKind.Join, state);
        }
        else
        {
            if (oldState == MemberState.Suspect)
            {
                Emit(MemberEventKind.Alive, state);
            }

            if (metaChanged)
            {
                Emit(MemberEventKind.Update, state);
            }
        }
    }

    /// <summary>memberlist's <c>suspectNode</c>, with Lifeguard's suspicion timer.</summary>
    private void SuspectNode(Suspect suspect, TimeSpan now)
    {
        if (!_nodeMap.TryGetValue(suspect.Node, out var state) || suspect.Incarnation < state.Incarnation)
        {
            return;
        }

        // A running suspicion turns this into a confirmation; new information is gossiped on.
        if (state.Suspicion is { } running)
        {
            if (running.Confirm(suspect.From))
            {
                Counters.SuspicionConfirmations++;
                Broadcast(suspect.Node, suspect);
                RescheduleSuspicion(state, running, now);
            }

            return;
        }

        if (state.State != MemberState.Alive)
        {
            return;
        }

        if (state == _self)
        {
            Refute(state, suspect.Incarnation);
            return;
        }

        Broadcast(suspect.Node, suspect);
        Counters.SuspicionsRaised++;
        state.Incarnation = suspect.Incarnation;
        state.SetState(MemberState.Suspect, now);
        Changed();

        var n = _nodes.Count;
        var expected = MembershipFormulas.ExpectedConfirmations(Options.SuspicionMult, n);
        var min = MembershipFormulas.SuspicionMin(Options.SuspicionMult, n, Options.ProbeInterval);
        var max = min * Options.SuspicionMaxTimeoutMult;
        var suspicion = new Suspicion(suspect.From, expected, min, max, now, state.StateGeneration);
        state.Suspicion = suspicion;
        RescheduleSuspicion(state, suspicion, now);
        Emit(MemberEventKind.Suspect, state);
    }

    private void RescheduleSuspicion(NodeState state, Suspicion suspicion, TimeSpan now)
    {
        suspicion.Timer?.Cancel();
        var due = suspicion.Deadline;
        suspicion.Timer = _timers.Schedule(due > now ? due : now, n => SuspicionExpired(state, suspicion, n));
    }

    private void SuspicionExpired(NodeState state, Suspicion suspicion, TimeSpan now)
    {
        if (!_nodeMap.TryGetValue(state.Name, out var current) || current != state || state.State != MemberState.Suspect
            || state.StateGeneration != suspicion.Generation)
        {
            return;
        }

        Counters.DeadDetected++;
        DeadNode(new Dead(state.Incarnation, state.Name, Name), now);
    }

    /// <summary>memberlist's <c>deadNode</c>: dead from the node itself means it left.</summary>
    private void DeadNode(Dead dead, TimeSpan now, Action? finished = null)
    {
        if (!_nodeMap.TryGetValue(dead.Node, out var state) || dead.Incarnation < state.Incarnation)
        {
            return;
        }

        ClearSuspicion(state);

        // memberlist ignores every dead about a node already dead or left. Not a leave notice (from the node itself)
        // about a node this one declared dead by suspicion, e.g. when the notice came late or only by push/pull: the
        // node left, so it is listed as left (and not reconnected to as failed) and the notice is gossiped on.
        var leftAfterSuspicion = dead.IsLeave && state.State == MemberState.Dead && state != _self;
        if (state.IsDeadOrLeft && !leftAfterSuspicion)
        {
            return;
        }

        if (state == _self && !_leaving)
        {
            Refute(state, dead.Incarnation);
            return;
        }

        Broadcast(dead.Node, dead, finished);
        state.Incarnation = dead.Incarnation;
        var left = dead.IsLeave;
        state.SetState(left ? MemberState.Left : MemberState.Dead, now);
        Changed();
        Emit(left ? MemberEventKind.Left : MemberEventKind.Dead, state);
    }

    /// <summary>memberlist's <c>refute</c>: beat the accusation's incarnation and gossip a fresh alive.</summary>
    private void Refute(NodeState self, uint accusedIncarnation)
    {
        var incarnation = ++_incarnation;
        if (accusedIncarnation >= incarnation)
        {
            _incarnation += accusedIncarnation - incarnation + 1;
            incarnation = _incarnation;
        }

        self.Incarnation = incarnation;
        Changed();
        ApplyAwareness(1);
        Counters.Refutes++;
        Broadcast(self.Name, new Alive(incarnation, self.Name, self.Addr, self.Port, self.Meta, self.Vsn));
    }

    private static void ClearSuspicion(NodeState state)
    {
        state.Suspicion?.Timer?.Cancel();
        state.Suspicion = null;
    }
}
