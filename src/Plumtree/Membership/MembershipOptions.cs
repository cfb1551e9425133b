using System.Net;
using System.Text;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>
/// SWIM/Lifeguard membership settings, named and defaulted as HashiCorp memberlist's <c>Config</c>
/// (the property defaults are <c>DefaultLANConfig</c>; see <see cref="Lan"/>, <see cref="Wan"/>,
/// <see cref="Local"/>). Use <see cref="Validate"/> (or <see cref="ThrowIfInvalid"/>) before use.
/// Settings marked "runtime" are carried for the socket runtime; the engine does not read them.
/// </summary>
internal sealed record MembershipOptions
{
    /// <summary>Lowest memberlist protocol version this implementation understands.</summary>
    public const byte ProtocolVersionMin = 1;

    /// <summary>Highest memberlist protocol version this implementation understands (CRC, TCP pings, nacks).</summary>
    public const byte ProtocolVersionMax = 5;

    /// <summary>Largest node meta memberlist allows.</summary>
    public const int MetaMaxSize = Alive.MetaMaxSize;

    /// <summary>This node's unique name. Required.</summary>
    public string NodeName { get; init; } = "";

    /// <summary>Runtime: address the UDP and TCP listeners bind. Default <see cref="IPAddress.Any"/>.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Port for both UDP and TCP. Default 7946. Also stands in for a port missing from old (protocol &lt; 2) messages.</summary>
    public int BindPort { get; init; } = 7946;

    /// <summary>Address advertised to other members; <see langword="null"/> = the runtime detects it. The engine needs it set.</summary>
    public IPAddress? AdvertiseAddress { get; init; }

    /// <summary>Port advertised to other members; <see langword="null"/> = <see cref="BindPort"/>.</summary>
    public int? AdvertisePort { get; init; }

    /// <summary>Cluster label (memberlist v0.3+; empty = none, the v0.2.2 wire format). At most 255 UTF-8 bytes.</summary>
    public string Label { get; init; } = "";

    /// <summary>Plain memberlist (delegate versions 0/0/0) or serf (2/5/4). Default <see cref="MembershipCompatibility.Memberlist"/>.</summary>
    public MembershipCompatibility Compatibility { get; init; } = MembershipCompatibility.Memberlist;

    /// <summary>Memberlist protocol version spoken, between 1 and 5. Default 2.</summary>
    public byte ProtocolVersion { get; init; } = 2;

    /// <summary>Node meta published in alive messages (≤ 512 bytes). Default empty.</summary>
    public ReadOnlyMemory<byte> Meta { get; init; }

    /// <summary>Runtime: deadline of one TCP exchange (push/pull, TCP ping dial). Default 10 s.</summary>
    public TimeSpan TcpTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Helpers asked to probe a node that missed its direct ping. Default 3.</summary>
    public int IndirectChecks { get; init; } = 3;

    /// <summary>Broadcasts are retransmitted <c>RetransmitMult × ceil(log10(n + 1))</c> times. Default 4.</summary>
    public int RetransmitMult { get; init; } = 4;

    /// <summary>Suspicion minimum is <c>SuspicionMult × max(1, log10(n)) × ProbeInterval</c>. Default 4.</summary>
    public int SuspicionMult { get; init; } = 4;

    /// <summary>Suspicion maximum is this times the minimum. Default 6.</summary>
    public int SuspicionMaxTimeoutMult { get; init; } = 6;

    /// <summary>Interval of full state exchanges with a random member (0 = never). Default 30 s.</summary>
    public TimeSpan PushPullInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Interval between probes (scaled by the health score). Default 1 s.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Wait for a direct ack before asking helpers. Default 500 ms.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Do not fall back to a TCP ping when UDP probes fail. Default false.</summary>
    public bool DisableTcpPings { get; init; }

    /// <summary>Health score range: probe intervals stretch up to this factor. Default 8.</summary>
    public int AwarenessMaxMultiplier { get; init; } = 8;

    /// <summary>Random members gossiped to every <see cref="GossipInterval"/> (0 = no gossip). Default 3.</summary>
    public int GossipNodes { get; init; } = 3;

    /// <summary>Interval between gossip rounds. Default 200 ms.</summary>
    public TimeSpan GossipInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Dead members still get gossip this long (so they can refute), then are forgotten. Default 30 s.</summary>
    public TimeSpan GossipToTheDeadTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Runtime: with encryption on, reject plaintext. Default true.</summary>
    public bool GossipVerifyIncoming { get; init; } = true;

    /// <summary>Runtime: with encryption on, encrypt what is sent. Default true.</summary>
    public bool GossipVerifyOutgoing { get; init; } = true;

    /// <summary>Runtime: LZW-compress packets (when smaller) and streams. Default true.</summary>
    public bool EnableCompression { get; init; } = true;

    /// <summary>Runtime: depth of the inbound message queues. Default 1024.</summary>
    public int HandoffQueueDepth { get; init; } = 1024;

    /// <summary>Budget in bytes for one gossip packet (piggybacking fills up to it). Default 1400.</summary>
    public int UdpBufferSize { get; init; } = 1400;

    /// <summary>A dead member's name may be taken by a new address after this long (zero = never). Default zero.</summary>
    public TimeSpan DeadNodeReclaimTime { get; init; }

    /// <summary>The advertised port (<see cref="AdvertisePort"/>, else <see cref="BindPort"/>).</summary>
    public int EffectiveAdvertisePort => AdvertisePort ?? BindPort;

    /// <summary>The delegate versions <see cref="Compatibility"/> implies: min, max, current.</summary>
    public (byte Min, byte Max, byte Current) DelegateVersions => Compatibility switch
    {
        MembershipCompatibility.Serf => (2, 5, 4),
        _ => (0, 0, 0),
    };

    /// <summary>The <c>Vsn</c> this node advertises: <c>[1, 5, ProtocolVersion, delegate min, max, current]</c>.</summary>
    public MemberVersions Versions
    {
        get
        {
            var d = DelegateVersions;
            return new MemberVersions(ProtocolVersionMin, ProtocolVersionMax, ProtocolVersion, d.Min, d.Max, d.Current);
        }
    }

    /// <summary>memberlist's <c>DefaultLANConfig</c> (the property defaults).</summary>
    public static MembershipOptions Lan { get; } = new();

    /// <summary>memberlist's <c>DefaultWANConfig</c>.</summary>
    public static MembershipOptions Wan { get; } = new()
    {
        TcpTimeout = TimeSpan.FromSeconds(30),
        SuspicionMult = 6,
        PushPullInterval = TimeSpan.FromSeconds(60),
        ProbeTimeout = TimeSpan.FromSeconds(3),
        ProbeInterval = TimeSpan.FromSeconds(5),
        GossipNodes = 4,
        GossipInterval = TimeSpan.FromMilliseconds(500),
        GossipToTheDeadTime = TimeSpan.FromSeconds(60),
    };

    /// <summary>memberlist's <c>DefaultLocalConfig</c>.</summary>
    public static MembershipOptions Local { get; } = new()
    {
        TcpTimeout = TimeSpan.FromSeconds(1),
        IndirectChecks = 1,
        RetransmitMult = 2,
        SuspicionMult = 3,
        PushPullInterval = TimeSpan.FromSeconds(15),
        ProbeTimeout = TimeSpan.FromMilliseconds(200),
        GossipInterval = TimeSpan.FromMilliseconds(100),
        GossipToTheDeadTime = TimeSpan.FromSeconds(15),
    };

    /// <summary>Looks a preset up by name: <c>local</c>, <c>lan</c>, <c>wan</c>.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static MembershipOptions FromPreset(string name) => name switch
    {
        "local" => Local,
        "lan" => Lan,
        "wan" => Wan,
        _ => throw new ArgumentException($"Unknown membership preset '{name}' (expected local, lan, wan).", nameof(name)),
    };

    /// <summary>Returns one message per invalid key, naming it; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string rule)
        {
            if (!ok)
            {
                errors.Add($"{key}: {rule}");
            }
        }

        Check(!string.IsNullOrEmpty(NodeName), nameof(NodeName), "must be set");
        Check(BindPort is >= 0 and <= ushort.MaxValue, nameof(BindPort), "must be between 0 and 65535");
        Check(AdvertisePort is null or (>= 1 and <= ushort.MaxValue), nameof(AdvertisePort), "must be between 1 and 65535");
        Check(Encoding.UTF8.GetByteCount(Label) <= MemberlistLimits.MaxLabelBytes, nameof(Label), "must be at most 255 UTF-8 bytes");
        Check(Enum.IsDefined(Compatibility), nameof(Compatibility), "must be Memberlist or Serf");
        Check(ProtocolVersion is >= ProtocolVersionMin and <= ProtocolVersionMax, nameof(ProtocolVersion), "must be between 1 and 5");
        Check(Meta.Length <= MetaMaxSize, nameof(Meta), "must be at most 512 bytes");
        Check(TcpTimeout > TimeSpan.Zero, nameof(TcpTimeout), "must be positive");
        Check(IndirectChecks >= 0, nameof(IndirectChecks), "must be 0 or more");
        Check(RetransmitMult >= 1, nameof(RetransmitMult), "must be at least 1");
        Check(SuspicionMult >= 1, nameof(SuspicionMult), "must be at least 1");
        Check(SuspicionMaxTimeoutMult >= 1, nameof(SuspicionMaxTimeoutMult), "must be at least 1");
        Check(PushPullInterval >= TimeSpan.Zero, nameof(PushPullInterval), "must not be negative (zero disables)");
        Check(ProbeInterval > TimeSpan.Zero, nameof(ProbeInterval), "must be positive");
        Check(ProbeTimeout > TimeSpan.Zero && ProbeTimeout < ProbeInterval, nameof(ProbeTimeout), "must be positive and less than ProbeInterval");
        Check(AwarenessMaxMultiplier >= 1, nameof(AwarenessMaxMultiplier), "must be at least 1");
        Check(GossipNodes >= 0, nameof(GossipNodes), "must be 0 or more");
        Check(GossipInterval > TimeSpan.Zero, nameof(GossipInterval), "must be positive");
        Check(GossipToTheDeadTime >= TimeSpan.Zero, nameof(GossipToTheDeadTime), "must not be negative");
        Check(HandoffQueueDepth >= 1, nameof(HandoffQueueDepth), "must be at least 1");
        Check(UdpBufferSize is >= 576 and <= 65_507, nameof(UdpBufferSize), "must be between 576 and 65507");
        Check(DeadNodeReclaimTime >= TimeSpan.Zero, nameof(DeadNodeReclaimTime), "must not be negative (zero = never)");
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid key; returns this instance when valid.</summary>
    public MembershipOptions ThrowIfInvalid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid membership options: " + string.Join("; ", errors));
    }
}
