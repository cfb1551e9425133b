using System.Net;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

/// <summary>One engine under test with a recording output and fake time.</summary>
internal sealed class EngineHarness
{
    public const string SelfName = "self";

    public EngineHarness(MembershipOptions? options = null, int seed = 1, bool start = true)
    {
        Options = (options ?? MembershipOptions.Lan) with
        {
            NodeName = SelfName,
            AdvertiseAddress = SelfAddress,
            BindPort = 7946,
        };
        Engine = new MembershipEngine(Options, Output, new Random(seed));
        if (start)
        {
            Engine.Start(Now);
        }
    }

    public static IPAddress SelfAddress { get; } = IPAddress.Parse("10.0.0.1");

    public static IPEndPoint SelfEndPoint { get; } = new(SelfAddress, 7946);

    public MembershipOptions Options { get; }

    public RecordingOutput Output { get; } = new();

    public MembershipEngine Engine { get; }

    public TimeSpan Now { get; private set; }

    /// <summary>Address of test node <paramref name="i"/> (1-based): 10.0.1.i.</summary>
    public static IPEndPoint EndPointOf(int i) => new(IPAddress.Parse($"10.0.1.{i}"), 7946);

    public static Alive AliveOf(string name, int i, uint incarnation = 1, byte pmax = 5, byte[]? meta = null) =>
        new(incarnation, name, MemberlistAddress.ToWire(EndPointOf(i).Address), 7946, meta, new ProtocolVersions(1, pmax, 2, 0, 0, 0));

    /// <summary>Teaches the engine about nodes n1..nk (alive, protocol max <paramref name="pmax"/>).</summary>
    public void AddNodes(int count, byte pmax = 5, int first = 1)
    {
        for (var i = first; i < first + count; i++)
        {
            Receive(EndPointOf(i), AliveOf($"n{i}", i, pmax: pmax));
        }
    }

    public void Receive(IPEndPoint from, MemberlistMessage message)
    {
        Output.Now = Now;
        Engine.ReceivePacket(from, message, Now);
    }

    /// <summary>Advances fake time to <paramref name="until"/>, ticking at every due time on the way.</summary>
    public void RunUntil(TimeSpan until)
    {
        while (Engine.NextTickAt is { } due && due <= until)
        {
            Now = due > Now ? due : Now;
            Output.Now = Now;
            Engine.Tick(Now);
            AnswerProbes();
        }

        Now = until;
        Output.Now = Now;
    }

    public void Advance(TimeSpan by) => RunUntil(Now + by);

    /// <summary>Runs until the next probe ping is sent; returns it and its packet.</summary>
    public (Ping Ping, SentPacket Packet) RunUntilProbe(TimeSpan? limit = null)
    {
        var end = Now + (limit ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            // Probes sent since the last one returned (possibly during an earlier Advance).
            for (; _probeScan < Output.Packets.Count; _probeScan++)
            {
                var packet = Output.Packets[_probeScan];
                if (packet.First is Ping ping && ping.SourceNode == SelfName && _probeSeqs.Add(ping.SeqNo)
                    && Engine.GetMember(ping.Node) is not null && !_relayPings.Contains(ping.SeqNo))
                {
                    _probeScan++;
                    return (ping, packet);
                }
            }

            if (Engine.NextTickAt is not { } due || due > end)
            {
                throw new InvalidOperationException("No probe was sent.");
            }

            Now = due > Now ? due : Now;
            Output.Now = Now;
            Engine.Tick(Now);
        }
    }

    /// <summary>Nodes that answer every probe at once (so the probe loop does not disturb a test).</summary>
    public HashSet<string> Responsive { get; } = new(StringComparer.Ordinal);

    /// <summary>Makes every node known so far answer probes.</summary>
    public void AllRespond()
    {
        foreach (var m in Engine.Members)
        {
            Responsive.Add(m.Name);
        }
    }

    private void AnswerProbes()
    {
        for (; _ackScan < Output.Packets.Count; _ackScan++)
        {
            var packet = Output.Packets[_ackScan];
            if (packet.First is Ping ping && Responsive.Contains(ping.Node))
            {
                Engine.ReceivePacket(packet.To, new Ack(ping.SeqNo), Now);
            }
        }
    }

    private int _ackScan;

    /// <summary>Marks a ping sequence number as an indirect-ping relay (not a probe).</summary>
    public void MarkRelay(uint seq) => _relayPings.Add(seq);

    private int _probeScan;
    private readonly HashSet<uint> _probeSeqs = [];
    private readonly HashSet<uint> _relayPings = [];

    public Member Member(string name) => Engine.GetMember(name) ?? throw new InvalidOperationException($"{name} unknown");
}
