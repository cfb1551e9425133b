using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>Configuration of a <see cref="PlumtreeStreamTransport"/>.</summary>
internal sealed record PlumtreeStreamOptions
{
    /// <summary>This node's name, sent in the hello of every outbound connection.</summary>
    public required string NodeName { get; init; }

    /// <summary>Cluster keys: with a keyring every record is sealed with the primary key (AES-GCM) and opened with any key.</summary>
    public Keyring? Keyring { get; init; }

    /// <summary>
    /// TLS 1.3 for every stream (mode 2); the keyring then does not seal streams. Null: plaintext or sealed streams.
    /// The transport disposes it.
    /// </summary>
    public StreamTls? Tls { get; init; }

    /// <summary>With a keyring, refuse plaintext connections (memberlist's <c>GossipVerifyIncoming</c>).</summary>
    public bool VerifyIncoming { get; init; } = true;

    /// <summary>With a keyring, seal outbound connections (memberlist's <c>GossipVerifyOutgoing</c>).</summary>
    public bool VerifyOutgoing { get; init; } = true;

    /// <summary>Cluster label (empty = none); carried in the hello and checked on accept.</summary>
    public string Label { get; init; } = "";

    /// <summary>Accept connections whatever their label.</summary>
    public bool SkipInboundLabelCheck { get; init; }

    /// <summary>Largest frame (header included) sent or accepted; larger ones are dropped as <c>too_large</c>.</summary>
    public int MaxFrameSize { get; init; } = 1024 * 1024;

    /// <summary>Frames queued per peer; more are dropped as <c>queue_full</c>.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Inbound frames per second accepted from one peer (token bucket); 0 = unlimited.</summary>
    public double InboundFramesPerSecond { get; init; } = 10_000;

    /// <summary>Token bucket size: frames a peer may send in a burst above the rate.</summary>
    public int InboundBurst { get; init; } = 20_000;

    /// <summary>
    /// Inbound Plumtree connections kept open at once. When full, a new one evicts a pending or long idle one
    /// (<c>evicted</c>) or, when every slot is a member's live stream, is refused (<c>global_limit</c>).
    /// </summary>
    public int MaxInboundConnections { get; init; } = 1024;

    /// <summary>
    /// Pending inbound connections (no hello yet, or a sender not known yet) from one IP address; a new one over the
    /// limit evicts the oldest pending one from that address (<c>per_source_limit</c>). Members' established streams do not count.
    /// </summary>
    public int MaxPendingPerAddress { get; init; } = 16;

    /// <summary>Deadline for the rest of a frame (or sealed record) once its first bytes arrived (<c>read_timeout</c>); restarts at every complete frame.</summary>
    public TimeSpan FrameReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An inbound connection that carries nothing for this long is closed (<c>idle</c>); an outbound connection with nothing
    /// to send closes itself after half of it, so a sender closes first and reconnects on its next frame.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// An outbound connection to a node that is not an overlay peer (<see cref="PlumtreeStreamTransport.IsOverlayPeer"/>
    /// says no: a repair probe, a splice request, an anti-entropy round, a graft to an announcer) closes itself after this
    /// long with nothing to send (at most half <see cref="IdleTimeout"/>), so such one-off streams do not pile up to one
    /// per member. Closing with an empty queue loses nothing; the next frame reconnects.
    /// </summary>
    public TimeSpan TransientIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a hello naming a sender that <see cref="PlumtreeStreamTransport.IsKnownSender"/> does not know is held
    /// (unread) waiting for membership to learn it, before it is refused (<c>unknown_sender</c>); zero refuses at once.
    /// </summary>
    public TimeSpan UnknownSenderGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline for dialing a peer and writing the hello.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for one batched write; a connection that cannot take a batch in time is closed.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for an accepted connection to deliver its mode byte and whole hello (<c>hello_timeout</c>).</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay after a failure; doubles per consecutive failure.</summary>
    public TimeSpan ReconnectBackoffMin { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection that closes sooner than this after opening counts as a failure for the backoff.</summary>
    public TimeSpan StableConnectionTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Queued frames older than this while the peer cannot be reached are dropped as <c>peer_unreachable</c>.</summary>
    public TimeSpan UnreachableTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Seed of the reconnect jitter.</summary>
    public int RandomSeed { get; init; }

    /// <summary>Longest admission deadline (hello, frame, idle, unknown sender grace).</summary>
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromDays(1);

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(NodeName);
        if (System.Text.Encoding.UTF8.GetByteCount(NodeName) > PlumtreeStreamProtocol.MaxNodeNameBytes)
        {
            throw new ArgumentException($"NodeName is longer than {PlumtreeStreamProtocol.MaxNodeNameBytes} bytes.", nameof(NodeName));
        }

        if (System.Text.Encoding.UTF8.GetByteCount(Label) > MemberlistLimits.MaxLabelBytes)
        {
            throw new ArgumentException($"Label is longer than {MemberlistLimits.MaxLabelBytes} bytes.", nameof(Label));
        }

        if (MaxFrameSize < Wire.PlumtreeFrameCodec.HeaderSize)
        {
            throw new ArgumentException($"MaxFrameSize must be at least {Wire.PlumtreeFrameCodec.HeaderSize}.", nameof(MaxFrameSize));
        }

        if (MaxFrameSize > PlumtreeStreamProtocol.MaxRecordPlaintext)
        {
            throw new ArgumentException($"MaxFrameSize must be at most {PlumtreeStreamProtocol.MaxRecordPlaintext}.", nameof(MaxFrameSize));
        }

        if (QueueCapacity < 1)
        {
            throw new ArgumentException("QueueCapacity must be at least 1.", nameof(QueueCapacity));
        }

        if (MaxInboundConnections < 1)
        {
            throw new ArgumentException("MaxInboundConnections must be at least 1.", nameof(MaxInboundConnections));
        }

        if (MaxPendingPerAddress < 1)
        {
            throw new ArgumentException("MaxPendingPerAddress must be at least 1.", nameof(MaxPendingPerAddress));
        }

        if (UnknownSenderGrace < TimeSpan.Zero)
        {
            throw new ArgumentException("UnknownSenderGrace must not be negative.", nameof(UnknownSenderGrace));
        }

        if (InboundFramesPerSecond < 0 || double.IsNaN(InboundFramesPerSecond))
        {
            throw new ArgumentException("InboundFramesPerSecond must be 0 (unlimited) or positive.", nameof(InboundFramesPerSecond));
        }

        if (InboundFramesPerSecond > 0 && InboundBurst < 1)
        {
            throw new ArgumentException("InboundBurst must be at least 1.", nameof(InboundBurst));
        }

        foreach (var (value, name) in new[]
        {
            (ConnectTimeout, nameof(ConnectTimeout)), (WriteTimeout, nameof(WriteTimeout)), (HelloTimeout, nameof(HelloTimeout)),
            (FrameReadTimeout, nameof(FrameReadTimeout)), (IdleTimeout, nameof(IdleTimeout)),
            (ReconnectBackoffMin, nameof(ReconnectBackoffMin)), (ReconnectBackoffMax, nameof(ReconnectBackoffMax)),
            (UnreachableTimeout, nameof(UnreachableTimeout)), (TransientIdleTimeout, nameof(TransientIdleTimeout)),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive.", name);
            }
        }

        foreach (var (value, name) in new[]
        {
            (HelloTimeout, nameof(HelloTimeout)), (FrameReadTimeout, nameof(FrameReadTimeout)),
            (IdleTimeout, nameof(IdleTimeout)), (UnknownSenderGrace, nameof(UnknownSenderGrace)),
            (TransientIdleTimeout, nameof(TransientIdleTimeout)),
        })
        {
            if (value > MaxDeadline)
            {
                throw new ArgumentException($"{name} must be at most {MaxDeadline.TotalDays:0} day.", name);
            }
        }

        if (ReconnectBackoffMax < ReconnectBackoffMin)
        {
            throw new ArgumentException("ReconnectBackoffMax must be at least ReconnectBackoffMin.", nameof(ReconnectBackoffMax));
        }
    }
}
