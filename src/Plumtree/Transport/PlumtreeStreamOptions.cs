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

    /// <summary>Inbound Plumtree connections kept open at once; more are refused (<c>too_many_connections</c>).</summary>
    public int MaxInboundConnections { get; init; } = 1024;

    /// <summary>Deadline for dialing a peer and writing the hello.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for one batched write; a connection that cannot take a batch in time is closed.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for an accepted connection to deliver its hello.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);

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
            (ReconnectBackoffMin, nameof(ReconnectBackoffMin)), (ReconnectBackoffMax, nameof(ReconnectBackoffMax)),
            (UnreachableTimeout, nameof(UnreachableTimeout)),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive.", name);
            }
        }

        if (ReconnectBackoffMax < ReconnectBackoffMin)
        {
            throw new ArgumentException("ReconnectBackoffMax must be at least ReconnectBackoffMin.", nameof(ReconnectBackoffMax));
        }
    }
}
