using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

/// <summary>
/// Many membership engines on one fake clock, exchanging real encoded datagrams (compound, LZW, CRC) through
/// a network with latency and UDP loss. TCP (pings, push/pull) is reliable, with the stream codec in between.
/// A killed node stops answering: its packets vanish and TCP to it fails.
/// </summary>
internal sealed class FakeNetwork
{
    private readonly PriorityQueue<Action, (TimeSpan At, long Order)> _events = new();
    private readonly Dictionary<IPEndPoint, SimNode> _byEndPoint = [];
    private readonly Random _random;
    private long _order;

    public FakeNetwork(int seed, double loss)
    {
        _random = new Random(seed);
        Loss = loss;
    }

    public double Loss { get; set; }

    public TimeSpan Now { get; private set; }

    public List<SimNode> Nodes { get; } = [];

    public long PacketsSent { get; private set; }

    public long PacketsLost { get; private set; }

    public SimNode AddNode(MembershipOptions options, string name)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse($"10.1.{Nodes.Count / 250}.{(Nodes.Count % 250) + 1}"), 7946);
        var node = new SimNode(this, name, endPoint);
        node.Engine = new MembershipEngine(options with { NodeName = name, AdvertiseAddress = endPoint.Address, BindPort = 7946 }, node, new Random(_random.Next()));
        Nodes.Add(node);
        _byEndPoint[endPoint] = node;
        node.Engine.Start(Now);
        return node;
    }

    public void At(TimeSpan at, Action action) => _events.Enqueue(action, (at, _order++));

    private TimeSpan Latency() => TimeSpan.FromMicroseconds(500 + _random.Next(2000));

    /// <summary>Runs every event and engine tick up to <paramref name="until"/>.</summary>
    public void RunUntil(TimeSpan until)
    {
        while (true)
        {
            TimeSpan? next = _events.TryPeek(out _, out var head) ? head.At : null;
            SimNode? ticker = null;
            foreach (var node in Nodes)
            {
                if (!node.Killed && node.Engine.NextTickAt is { } due && (next is null || due < next))
                {
                    next = due;
                    ticker = node;
                }
            }

            if (next is not { } at || at > until)
            {
                break;
            }

            Now = at > Now ? at : Now;
            if (ticker is not null)
            {
                ticker.Engine.Tick(Now);
            }
            else
            {
                _events.Dequeue()();
            }
        }

        Now = until;
    }

    internal void SendPacket(SimNode from, IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc)
    {
        foreach (var payload in OutgoingPacket.Assemble(parts))
        {
            var datagram = PacketCodec.EncodeDatagram(payload.Span, new PacketEncodeOptions { Compress = true, Crc = crc });
            PacketsSent++;
            if (_random.NextDouble() < Loss)
            {
                PacketsLost++;
                continue;
            }

            At(Now + Latency(), () =>
            {
                if (_byEndPoint.TryGetValue(to, out var target) && !target.Killed && !from.Killed)
                {
                    foreach (var message in PacketCodec.DecodeDatagram(datagram, new PacketDecodeOptions()).Messages)
                    {
                        target.Engine.ReceivePacket(from.EndPoint, message, Now);
                    }
                }
            });
        }
    }

    internal void TcpPing(SimNode from, IPEndPoint to, Ping ping, TimeSpan deadline)
    {
        At(Now + Latency(), () =>
        {
            if (_byEndPoint.TryGetValue(to, out var target) && !target.Killed)
            {
                var ack = target.Engine.ReceiveTcpPing(ping, Now);
                At(Now + Latency(), () => from.Engine.TcpPingCompleted(ping.SeqNo, ack?.SeqNo == ping.SeqNo, Now));
            }
            else
            {
                At(deadline, () => from.Engine.TcpPingCompleted(ping.SeqNo, false, Now));
            }
        });
    }

    internal void PushPull(SimNode from, long requestId, IPEndPoint to, PushPull local)
    {
        var request = RoundTrip(local);
        At(Now + Latency(), () =>
        {
            if (_byEndPoint.TryGetValue(to, out var target) && !target.Killed)
            {
                var reply = RoundTrip(target.Engine.PushPullReceived(from.EndPoint, request, Now).Reply);
                At(Now + Latency(), () => from.Engine.PushPullCompleted(requestId, reply, null, Now));
            }
            else
            {
                At(Now + Latency(), () => from.Engine.PushPullCompleted(requestId, null, "connection refused", Now));
            }
        });
    }

    private static PushPull RoundTrip(PushPull message)
    {
        var bytes = StreamCodec.Encode(message, new StreamEncodeOptions { Compress = true });
        return (PushPull)StreamMessageReader.ReadComplete(bytes, new StreamReaderOptions());
    }
}

/// <summary>One engine of a <see cref="FakeNetwork"/> and what it reported.</summary>
internal sealed class SimNode : IMembershipOutput
{
    private readonly FakeNetwork _network;

    public SimNode(FakeNetwork network, string name, IPEndPoint endPoint)
    {
        _network = network;
        Name = name;
        EndPoint = endPoint;
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public MembershipEngine Engine { get; set; } = null!;

    public bool Killed { get; set; }

    public List<(TimeSpan At, MemberEvent Event)> Events { get; } = [];

    public void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc) => _network.SendPacket(this, to, parts, crc);

    public void StartTcpPing(IPEndPoint to, Ping ping, TimeSpan deadline) => _network.TcpPing(this, to, ping, deadline);

    public void StartPushPull(long requestId, IPEndPoint to, PushPull local) => _network.PushPull(this, requestId, to, local);

    public void MemberChanged(MemberEvent change) => Events.Add((_network.Now, change));

    public void DeliverUserMessage(ReadOnlyMemory<byte> payload)
    {
    }

    public void JoinCompleted(JoinResult result)
    {
    }

    public void LeaveCompleted(bool broadcastSent)
    {
    }
}
