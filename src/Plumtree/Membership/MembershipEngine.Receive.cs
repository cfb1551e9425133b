using System.Net;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>Packet input: pings, indirect pings, acks, nacks, gossip and user messages.</summary>
internal sealed partial class MembershipEngine
{
    /// <summary>
    /// One decoded message from a UDP packet sent by <paramref name="from"/> (the parts of a compound arrive
    /// one by one, in order). Push/pull, error and other stream-only messages are ignored here.
    /// </summary>
    public void ReceivePacket(IPEndPoint from, MemberlistMessage message, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(message);
        EnsureStarted();
        switch (message)
        {
            case Ping ping:
                HandlePing(from, ping);
                break;
            case IndirectPing request:
                HandleIndirectPing(from, request, now);
                break;
            case Ack ack:
                HandleAck(ack, now);
                break;
            case Nack nack:
                HandleNack(nack);
                break;
            case Suspect suspect:
                Counters.GossipMessagesReceived++;
                SuspectNode(suspect, now);
                break;
            case Alive alive:
                Counters.GossipMessagesReceived++;
                if (Options.ProtocolVersion < 2 || alive.Port == 0)
                {
                    alive = alive with { Port = (ushort)Options.BindPort };
                }

                AliveNode(alive, bootstrap: false, now);
                break;
            case Dead dead:
                Counters.GossipMessagesReceived++;
                DeadNode(dead, now);
                break;
            case UserMessage user:
                Counters.GossipMessagesReceived++;
                _output.DeliverUserMessage(user.Payload);
                break;
            default:
                Counters.Ignored++;
                break;
        }
    }

    private void HandlePing(IPEndPoint from, Ping ping)
    {
        if (ping.Node.Length > 0 && ping.Node != Name)
        {
            Counters.Ignored++;
            return;
        }

        var ack = new Ack(ping.SeqNo, _output.AckPayload());
        SendMessage(ReplyAddress(from, ping.SourceAddr, ping.SourcePort), ack, Lookup(ping.SourceNode));
    }

    private void HandleIndirectPing(IPEndPoint from, IndirectPing request, TimeSpan now)
    {
        var port = Options.ProtocolVersion < 2 || request.Port == 0 ? (ushort)Options.BindPort : request.Port;
        if (!MemberlistAddress.TryFromWire(request.Target, out var targetAddress))
        {
            Counters.Ignored++;
            return;
        }

        Counters.IndirectPingsServed++;
        var relay = new IndirectRelay(request.SeqNo, ReplyAddress(from, request.SourceAddr, request.SourcePort), request.SourceNode, request.Nack);
        var ping = new Ping(++_sequence, request.Node, _advertiseAddr, _advertisePort, Name);
        _ackHandlers[ping.SeqNo] = new AckHandler(null, relay);

        // The relay handler expires after ProbeTimeout; a nack goes out then if one was asked for.
        relay.Timer = _timers.Schedule(now + Options.ProbeTimeout, _ =>
        {
            if (_ackHandlers.Remove(ping.SeqNo) && relay.Nack)
            {
                Counters.NacksSent++;
                SendMessage(relay.Requester, new Nack(relay.OriginalSeq), Lookup(relay.RequesterName));
            }
        });
        SendMessage(new IPEndPoint(targetAddress, port), ping, Lookup(request.Node));
    }

    private void HandleAck(Ack ack, TimeSpan now)
    {
        if (!_ackHandlers.Remove(ack.SeqNo, out var handler))
        {
            return;
        }

        if (handler.Probe is { } probe)
        {
            ProbeAcked(probe, ack, now);
        }
        else if (handler.Relay is { } relay)
        {
            relay.Timer?.Cancel();
            SendMessage(relay.Requester, new Ack(relay.OriginalSeq), Lookup(relay.RequesterName));
        }
    }

    private void HandleNack(Nack nack)
    {
        if (_ackHandlers.TryGetValue(nack.SeqNo, out var handler) && handler.Probe is { } probe)
        {
            Counters.NacksReceived++;
            probe.Nacks++;
        }
    }

    /// <summary>Where a reply goes: the message's source fields when both are set, else the UDP source.</summary>
    private static IPEndPoint ReplyAddress(IPEndPoint from, byte[]? sourceAddr, ushort sourcePort) =>
        sourceAddr is { Length: > 0 } && sourcePort > 0 && MemberlistAddress.TryFromWire(sourceAddr, out var address)
            ? new IPEndPoint(address, sourcePort)
            : from;
}
