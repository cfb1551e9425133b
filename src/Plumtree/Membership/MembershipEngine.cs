using System.Net;
using System.Text;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>
/// SWIM + Lifeguard membership, wire-compatible with HashiCorp memberlist (0.2.2 and upstream): a sans-IO
/// state machine. No sockets, threads, locks or clock reads: every input carries <c>now</c> (a monotonic
/// time since an arbitrary origin chosen by the driver), randomness comes from the seeded
/// <see cref="Random"/> given at construction, outputs go to the <see cref="IMembershipOutput"/>, and after
/// every input the driver reads <see cref="NextTickAt"/> and calls <see cref="Tick"/> no later than that.
/// </summary>
/// <remarks>
/// <para>The runtime owns UDP/TCP sockets, encryption, compression, CRC and label wrapping, and the TCP
/// exchanges; it calls every method of one engine from one loop (no locks inside):</para>
/// <list type="bullet">
/// <item>UDP in: <see cref="PacketCodec.DecodeDatagram"/>, then each message to <see cref="ReceivePacket"/>.</item>
/// <item>UDP out: <see cref="IMembershipOutput.SendPacket"/> gives encoded parts and the CRC decision; the runtime
/// assembles (<see cref="OutgoingPacket.Assemble"/>) and wraps (<see cref="PacketCodec.EncodeDatagram"/>).</item>
/// <item>TCP ping in: <see cref="ReceiveTcpPing"/> returns the ack to write (or null: close). TCP ping out:
/// <see cref="IMembershipOutput.StartTcpPing"/>, answered by <see cref="TcpPingCompleted"/>.</item>
/// <item>Push/pull in: <see cref="PushPullReceived"/> returns the reply to write and merges. Push/pull out:
/// <see cref="IMembershipOutput.StartPushPull"/>, answered exactly once by <see cref="PushPullCompleted"/>.</item>
/// <item>TCP user messages go straight to the application; errors (<c>errResp</c>) are the runtime's.</item>
/// <item>Timers: after every call read <see cref="NextTickAt"/> and call <see cref="Tick"/> then.</item>
/// <item><see cref="Members"/> and <see cref="LocalNode"/> are built on the loop; publish them to other threads.</item>
/// </list>
/// </remarks>
internal sealed partial class MembershipEngine
{
    // memberlist's compoundHeaderOverhead and compoundOverhead.
    private const int CompoundHeaderOverhead = 2;
    private const int CompoundPartOverhead = CompoundMessage.PerPartOverhead;
    private const int MaxQueuedUserBroadcasts = 4096;

    private readonly IMembershipOutput _output;
    private readonly Random _random;
    private readonly List<NodeState> _nodes = [];
    private readonly Dictionary<string, NodeState> _nodeMap = new(StringComparer.Ordinal);
    private readonly TimerQueue _timers = new();
    private readonly TransmitLimitedQueue _broadcasts;
    private readonly TransmitLimitedQueue _userBroadcasts;
    private readonly byte[] _advertiseAddr;
    private readonly ushort _advertisePort;
    private readonly ProtocolVersions _versions;
    private readonly int _packetOverhead;
    private NodeState? _self;
    private uint _sequence;
    private uint _incarnation;
    private int _healthScore;
    private int _probeIndex;
    private bool _leaving;
    private IReadOnlyList<Member>? _membersSnapshot;

    /// <summary>Creates an engine; nothing happens until <see cref="Start"/>.</summary>
    /// <param name="options">Validated options with <see cref="MembershipOptions.AdvertiseAddress"/> set (the runtime resolves it).</param>
    /// <param name="output">Where outputs go.</param>
    /// <param name="random">Seeded randomness (probe order, helpers, gossip targets, staggers).</param>
    /// <param name="encryptionOverhead">
    /// Bytes encryption adds to each outgoing packet (29 for version 1, 45 for version 0; 0 when not
    /// encrypting outgoing packets). The label header is counted from <see cref="MembershipOptions.Label"/>.
    /// </param>
    /// <param name="initialIncarnation">
    /// Incarnation to count up from (0 for a new node). A runtime that rejoins after a leave with a fresh engine
    /// passes the incarnation it left with, so that its new alive message beats the <c>dead</c> the cluster holds.
    /// </param>
    /// <exception cref="ArgumentException">Invalid options, or no advertise address.</exception>
    public MembershipEngine(MembershipOptions options, IMembershipOutput output, Random random, int encryptionOverhead = 0, uint initialIncarnation = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(encryptionOverhead);
        Options = options.ThrowIfInvalid();
        if (options.AdvertiseAddress is null || options.AdvertiseAddress.Equals(IPAddress.Any) || options.AdvertiseAddress.Equals(IPAddress.IPv6Any))
        {
            throw new ArgumentException($"{nameof(MembershipOptions.AdvertiseAddress)}: must be a concrete address before the engine is created (the runtime resolves it).", nameof(options));
        }

        if (options.EffectiveAdvertisePort is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentException($"{nameof(MembershipOptions.AdvertisePort)}: the advertised port must be between 1 and 65535.", nameof(options));
        }

        _output = output;
        _random = random;
        _incarnation = initialIncarnation;
        _advertiseAddr = MemberlistAddress.ToWire(options.AdvertiseAddress);
        _advertisePort = (ushort)options.EffectiveAdvertisePort;
        _versions = options.Versions.ToWire();
        var labelBytes = Encoding.UTF8.GetByteCount(options.Label);
        _packetOverhead = encryptionOverhead + (labelBytes == 0 ? 0 : 2 + labelBytes);
        _broadcasts = new TransmitLimitedQueue(options.RetransmitMult, () => _nodes.Count);
        _userBroadcasts = new TransmitLimitedQueue(options.RetransmitMult, () => _nodes.Count);
    }

    /// <summary>The options in force.</summary>
    public MembershipOptions Options { get; }

    /// <summary>This node's name.</summary>
    public string Name => Options.NodeName;

    /// <summary>True once <see cref="Start"/> ran.</summary>
    public bool Started => _self is not null;

    /// <summary>True once <see cref="Leave"/> was called.</summary>
    public bool Leaving => _leaving;

    /// <summary>The earliest time the engine needs a <see cref="Tick"/>, or null when nothing is scheduled.</summary>
    public TimeSpan? NextTickAt => _timers.NextDue;

    /// <summary>Lifeguard's local health score (awareness): 0 is healthy, up to <c>AwarenessMaxMultiplier − 1</c>.</summary>
    public int HealthScore => _healthScore;

    /// <summary>Monotonic counters of what the engine did.</summary>
    public MembershipCounters Counters { get; } = new();

    /// <summary>Bumped whenever the member table changes (a version for views built from <see cref="Members"/>).</summary>
    public long Generation { get; private set; }

    /// <summary>Every known member, this node included, in any state (dead and left until forgotten).</summary>
    public IReadOnlyList<Member> Members => _membersSnapshot ??= [.. _nodes.Select(static n => n.ToMember())];

    /// <summary>This node as others see it.</summary>
    /// <exception cref="InvalidOperationException">Before <see cref="Start"/>.</exception>
    public Member LocalNode => Self.ToMember();

    /// <summary>Known nodes, including dead and left ones not yet forgotten (memberlist's <c>estNumNodes</c>).</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Broadcasts (memberlist's own and user ones) waiting to be gossiped.</summary>
    public int QueuedBroadcasts => _broadcasts.Count + _userBroadcasts.Count;

    private NodeState Self => _self ?? throw new InvalidOperationException("The membership engine has not been started.");

    /// <summary>A member by name, or <see langword="null"/>.</summary>
    public Member? GetMember(string name) => _nodeMap.TryGetValue(name, out var node) ? node.ToMember() : null;

    /// <summary>
    /// Starts the node: announces itself alive (incarnation 1, or one above the initial incarnation, queued for gossip, a <see cref="MemberEventKind.Join"/>
    /// event for itself as memberlist raises) and schedules the probe, gossip and push/pull loops, each after a
    /// random stagger within its interval.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start(TimeSpan now)
    {
        if (_self is not null)
        {
            throw new InvalidOperationException("The membership engine is already started.");
        }

        var alive = new Alive(++_incarnation, Name, _advertiseAddr, _advertisePort, MetaOrNull(Options.Meta), _versions);
        AliveNode(alive, bootstrap: true, now);
        _self = _nodeMap[Name];

        _timers.Schedule(now + Stagger(Options.ProbeInterval), ProbeTick);
        if (Options.GossipNodes > 0)
        {
            var first = now + Stagger(Options.GossipInterval);
            _timers.Schedule(first, n => GossipTick(first, n));
        }

        if (Options.PushPullInterval > TimeSpan.Zero)
        {
            var first = now + Stagger(Options.PushPullInterval) + MembershipFormulas.PushPullScale(Options.PushPullInterval, _nodes.Count);
            _timers.Schedule(first, PushPullTick);
        }
    }

    /// <summary>Time passed: fire due timers (probe phases, gossip, push/pull, suspicion timeouts, nacks).</summary>
    public void Tick(TimeSpan now)
    {
        EnsureStarted();
        _timers.RunDue(now);
    }

    /// <summary>
    /// Queues a user broadcast (memberlist's delegate <c>GetBroadcasts</c>): it is piggybacked and gossiped
    /// after memberlist's own messages, <c>RetransmitMult × ceil(log10(n + 1))</c> times, never de-duplicated
    /// (receivers may see several copies).
    /// </summary>
    /// <exception cref="ArgumentException">The payload cannot fit in one gossip packet.</exception>
    public void QueueUserBroadcast(ReadOnlySpan<byte> payload)
    {
        EnsureStarted();
        var message = new byte[payload.Length + 1];
        message[0] = (byte)MessageType.User;
        payload.CopyTo(message.AsSpan(1));
        if (message.Length + CompoundPartOverhead > GossipBudget)
        {
            throw new ArgumentException($"A user broadcast of {payload.Length} bytes cannot fit in a gossip packet of {Options.UdpBufferSize} bytes.", nameof(payload));
        }

        _userBroadcasts.Queue(null, message);
        _userBroadcasts.Prune(MaxQueuedUserBroadcasts);
    }

    private int GossipBudget => Options.UdpBufferSize - CompoundHeaderOverhead - _packetOverhead;

    private static byte[]? MetaOrNull(ReadOnlyMemory<byte> meta) => meta.IsEmpty ? null : meta.ToArray();

    private void EnsureStarted() => _ = Self;

    private TimeSpan Stagger(TimeSpan interval) => TimeSpan.FromTicks(_random.NextInt64(Math.Max(1, interval.Ticks)));

    private void Changed()
    {
        _membersSnapshot = null;
        Generation++;
    }

    private void Emit(MemberEventKind kind, NodeState node) => _output.MemberChanged(new MemberEvent(kind, node.ToMember()));

    private NodeState? Lookup(string? name) =>
        name is { Length: > 0 } && _nodeMap.TryGetValue(name, out var node) ? node : null;

    /// <summary>
    /// Up to <paramref name="k"/> distinct random nodes not rejected by <paramref name="exclude"/>, found as
    /// memberlist does: at most 3n random draws (exhaustive enough for small n, cheap for large n).
    /// </summary>
    private List<NodeState> RandomNodes(int k, Func<NodeState, bool> exclude)
    {
        var result = new List<NodeState>(k);
        var n = _nodes.Count;
        for (var i = 0; i < 3 * n && result.Count < k; i++)
        {
            var node = _nodes[_random.Next(n)];
            if (!exclude(node) && !result.Contains(node))
            {
                result.Add(node);
            }
        }

        return result;
    }

    /// <summary>
    /// Sends <paramref name="message"/> through memberlist's normal path: topped up with queued broadcasts up to
    /// <c>UdpBufferSize</c>, CRC when the recipient is a known node with protocol max ≥ 5.
    /// </summary>
    private void SendMessage(IPEndPoint to, MemberlistMessage message, NodeState? recipient)
    {
        var bytes = MessageCodec.Encode(message);
        var parts = new List<ReadOnlyMemory<byte>> { bytes };
        TakeBroadcasts(Options.UdpBufferSize - bytes.Length - CompoundHeaderOverhead - _packetOverhead, parts);
        SendParts(to, parts, recipient);
    }

    /// <summary>Sends parts as they are (no piggybacking), CRC when the recipient's protocol max is ≥ 5.</summary>
    private void SendParts(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, NodeState? recipient)
    {
        Counters.PacketsSent++;
        _output.SendPacket(to, parts, crc: recipient is { Vsn.ProtocolMax: >= 5 });
    }

    /// <summary>memberlist's <c>getBroadcasts</c>: its own queue first, then user broadcasts in the space left.</summary>
    private void TakeBroadcasts(int limit, List<ReadOnlyMemory<byte>> into)
    {
        var before = into.Count;
        var used = _broadcasts.Take(CompoundPartOverhead, limit, into);
        var avail = limit - used;
        if (avail > CompoundPartOverhead + 1)
        {
            _userBroadcasts.Take(CompoundPartOverhead, avail, into);
        }

        Counters.GossipMessagesSent += into.Count - before;
    }

    /// <summary>memberlist's <c>encodeBroadcastNotify</c>: queues a message about <paramref name="node"/>, replacing older ones.</summary>
    private void Broadcast(string node, MemberlistMessage message, Action? finished = null) =>
        _broadcasts.Queue(node, MessageCodec.Encode(message), finished);
}
