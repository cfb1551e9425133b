using Plumtree.Broadcast;
using Plumtree.Simulator.Metrics;

namespace Plumtree.Simulator.Core;

/// <summary>The event loop: frame arrivals, engine ticks, sends and deliveries.</summary>
internal sealed partial class Simulation
{
    /// <summary>Processes every event strictly before <paramref name="until"/>, then moves the clock there.</summary>
    private void RunUntil(long until)
    {
        while (_queue.TryDequeue(until - 1, out var ev, out var t))
        {
            Process(in ev, t);
        }

        _now = Math.Max(_now, until);
    }

    /// <summary>
    /// Processes events until no frame is in flight and no engine waits on a graft (the step is quiescent),
    /// or the next event lies beyond <paramref name="limit"/> (counted in <see cref="SimResult.CutSteps"/>).
    /// </summary>
    private void RunUntilQuiet(long limit)
    {
        while (_inFlight > 0 || _pendingTotal > 0)
        {
            if (!_queue.TryDequeue(limit, out var ev, out var t))
            {
                if (t != long.MaxValue)
                {
                    _cutSteps++; // the next event lies beyond the limit
                }

                break;
            }

            Process(in ev, t);
        }
    }

    private void Process(in SimEvent ev, long time)
    {
        _now = time;
        _eventsProcessed++;
        switch (ev.Kind)
        {
            case EventKind.Frame:
                Arrive(in ev);
                break;
            case EventKind.Tick:
                FireTick(ev.To, ev.Stamp);
                break;
            case EventKind.ViewChange:
                DetectFailures(_now);
                break;
            case EventKind.SyncTick:
                FireSyncTick(ev.To, ev.Stamp);
                break;
            case EventKind.PartitionDetected:
                SplitViews();
                break;
        }
    }

    private void Arrive(in SimEvent ev)
    {
        _inFlight--;
        var to = ev.To;
        if (!_alive[to])
        {
            _toDead++;
            return;
        }

        if (ev.FrameType == FrameType.Sync)
        {
            ArriveSync(in ev);
            return;
        }

        _receivedByType[(int)ev.FrameType]++;
        if (ev.FrameType == FrameType.Gossip)
        {
            if (_tracks.TryGetValue(ev.Id, out var track))
            {
                track.PayloadReceived++;
            }
        }
        else
        {
            CountControl(ev.FrameType);
        }

        if (_engines is { } engines)
        {
            var frame = ev.FrameType switch
            {
                FrameType.Gossip => PlumtreeFrame.Gossip(ev.Id, ev.Hop, ev.Payload),
                FrameType.IHave => ev.Entries is { } entries ? PlumtreeFrame.IHave(entries) : SingleIHave(ev.Id, ev.Hop),
                FrameType.Graft => PlumtreeFrame.Graft(ev.Id, ev.Hop),
                FrameType.Prune => PlumtreeFrame.Prune(),
                FrameType.Neighbor => PlumtreeFrame.Neighbor(ev.Flag),
                FrameType.Disconnect => PlumtreeFrame.Disconnect(),
                FrameType.Splice => PlumtreeFrame.Splice((SpliceKind)ev.Hop, ev.Payload),
                FrameType.Tree => PlumtreeFrame.Tree(ev.Payload),
                _ => throw new InvalidOperationException($"Unknown frame type {ev.FrameType}."),
            };
            engines[to]!.Receive(_names[ev.From], in frame, Now);
            AfterInput(to);
        }
        else if (ev.FrameType == FrameType.Gossip)
        {
            FloodReceive(to, ev.From, ev.Id, ev.Hop);
        }
    }

    /// <summary>A one-entry IHave over a reused array: the engine processes a received frame synchronously.</summary>
    private PlumtreeFrame SingleIHave(MessageId id, int hop)
    {
        _scratch[0] = new IHaveEntry(id, hop);
        return PlumtreeFrame.IHave(_scratch);
    }

    private void CountControl(FrameType type)
    {
        if (type == FrameType.Splice && _phase == Phase.Bootstrap)
        {
            _spliceFramesInJoin++;
        }

        var slot = CycleRecord.ControlSlot(type);
        if (slot < 0)
        {
            if (type == FrameType.Tree && _phase == Phase.Broadcast && _current is { } tree)
            {
                tree.TreeFrames++;
            }

            return;
        }

        switch (_phase)
        {
            case Phase.Bootstrap:
                _bootstrapControl[slot]++;
                break;
            case Phase.Broadcast when _current is { } current:
                current.ControlByType[slot]++;
                break;
            default:
                if (_current is { } record)
                {
                    record.MembershipControl++;
                }
                else
                {
                    _bootstrapControl[slot]++;
                }

                break;
        }
    }

    private void FireTick(int node, long stamp)
    {
        if (!_alive[node] || _scheduledTick[node] != stamp)
        {
            return; // superseded by an earlier schedule, or the node died
        }

        _scheduledTick[node] = long.MaxValue;
        _engines![node]!.Tick(Now);
        AfterInput(node);
    }

    /// <summary>After any input to an engine: (re)schedule its tick and track its pending grafts.</summary>
    private void AfterInput(int node)
    {
        var engine = _engines![node]!;
        if (engine.NextTickAt is { } next)
        {
            var at = Math.Max(next.Ticks, _now);
            if (at < _scheduledTick[node])
            {
                _scheduledTick[node] = at;
                _queue.Enqueue(at, new SimEvent { Kind = EventKind.Tick, To = node, Stamp = at });
            }
        }

        var pending = engine.PendingGrafts;
        _pendingTotal += pending - _pending[node];
        _pending[node] = pending;
        if (_syncPeerVersion is { } versions && engine.PeerSetVersion != versions[node] && _syncs![node] is { } sync)
        {
            UpdateOverlaySyncPeers(node, engine, sync);
        }
    }

    /// <summary>Called by a node's output: route one frame to a peer named by the engine.</summary>
    internal void OnSend(int from, string peer, in PlumtreeFrame frame)
    {
        var to = IndexOf(peer);
        if (to < 0)
        {
            _unknownPeer++;
            return;
        }

        SendTo(from, to, in frame);
    }

    /// <summary>
    /// The index of the node named <paramref name="name"/>, or -1. Names are "n" and the index in a fixed number of
    /// digits, so the index is read from the name itself (a dictionary lookup per frame costs three cache misses among
    /// 100,000 nodes); anything else falls back to the dictionary.
    /// </summary>
    internal int IndexOf(string name)
    {
        if (name.Length == _nameDigits + 1 && name[0] == 'n')
        {
            var index = 0;
            for (var i = 1; i < name.Length; i++)
            {
                var digit = name[i] - '0';
                if ((uint)digit > 9)
                {
                    return _index.TryGetValue(name, out var found) ? found : -1;
                }

                index = (index * 10) + digit;
            }

            if (index < _n)
            {
                return index;
            }
        }

        return _index.TryGetValue(name, out var i2) ? i2 : -1;
    }

    private void SendTo(int from, int to, in PlumtreeFrame frame)
    {
        _sentByType[(int)frame.Type]++;
        CountTreeBytes(in frame);
        if (!_network.TryRoute(from, to, out var delay))
        {
            return;
        }

        var ev = new SimEvent
        {
            Kind = EventKind.Frame,
            FrameType = frame.Type,
            Flag = frame.Flag,
            From = from,
            To = to,
            Hop = frame.Hop,
            Id = frame.Id,
            Payload = frame.Payload,
        };
        if (frame.Type == FrameType.IHave)
        {
            var entries = frame.Entries.Span;
            if (entries.Length == 1)
            {
                ev.Id = entries[0].Id;
                ev.Hop = entries[0].Hop;
            }
            else
            {
                ev.Entries = entries.ToArray(); // the engine may reuse its batch buffer after Send returns
            }
        }

        if (_network.ConstantLatency)
        {
            _queue.EnqueueInOrder(_now + delay, in ev); // now never decreases, so arrival times do not either
        }
        else
        {
            _queue.Enqueue(_now + delay, in ev);
        }

        _inFlight++;
    }

    /// <summary>
    /// Called by a node's output (or flood forwarding): the engine delivered message id at hop. With sync the delivery
    /// reaches the application only when the sync store accepts it (not already held), as in the node.
    /// </summary>
    internal void OnDeliver(int node, MessageId id, int hop, ReadOnlyMemory<byte> payload)
    {
        if (AcceptDelivery(node, id, payload))
        {
            MarkDelivered(node, id, hop);
        }
    }

    /// <summary>
    /// One delivery to the application of node <paramref name="node"/> (hop null: by sync). A second delivery of one id at
    /// one node is counted in <see cref="SimResult.DuplicateDeliveries"/> (an engine bug if non-zero). Returns the track
    /// when the delivery was new.
    /// </summary>
    private MessageTrack? MarkDelivered(int node, MessageId id, int? hop)
    {
        if (!_tracks.TryGetValue(id, out var track))
        {
            _untrackedDeliveries++;
            return null;
        }

        if (track.Delivered[node])
        {
            _duplicateDeliveries++;
            return null;
        }

        track.Delivered[node] = true;
        track.DeliveredCount++;
        if (hop is { } h)
        {
            track.MaxHop = Math.Max(track.MaxHop, h);
        }

        track.LastDeliveryAt = _now;
        return track;
    }

    /// <summary>Flood mode: deliver once, then push on every overlay link except the arrival link.</summary>
    private void FloodReceive(int node, int from, MessageId id, int hop)
    {
        if (!_tracks.TryGetValue(id, out var track) || track.Delivered[node])
        {
            return;
        }

        MarkDelivered(node, id, hop);
        var frame = PlumtreeFrame.Gossip(id, hop + 1, PayloadBytes);
        foreach (var peer in _overlay!.Neighbors(node))
        {
            if (peer != from)
            {
                SendTo(node, peer, in frame);
            }
        }
    }

    /// <summary>Starts cycle <paramref name="cycle"/>'s broadcast at <paramref name="origin"/>.</summary>
    private MessageTrack StartBroadcast(int cycle, int origin)
    {
        var ms = (ulong)(EpochUnixMs + (_now / TimeSpan.TicksPerMillisecond));
        var id = new MessageId((ms << 16) | (_idSalt >> 48), (_idSalt << 16) + (ulong)cycle);
        var track = new MessageTrack(id, cycle, origin, _now, _n);
        _tracks.Add(id, track);
        _trackOrder.Add(track);
        if (_engines is { } engines)
        {
            engines[origin]!.Broadcast(id, PayloadBytes, Now);
            AfterInput(origin);
        }
        else
        {
            MarkDelivered(origin, id, 0);
            var frame = PlumtreeFrame.Gossip(id, 1, PayloadBytes);
            foreach (var peer in _overlay!.Neighbors(origin))
            {
                SendTo(origin, peer, in frame);
            }
        }

        return track;
    }
}
