namespace Plumtree.Node;

/// <summary>
/// Admission of inbound Plumtree streams (configuration section <c>Plumtree:Streams</c>): how many a node holds,
/// how many half-open ones one address may hold, and the deadlines that close streams that stall or carry nothing.
/// Every key is documented in <c>docs/configuration.md</c>; the rules in <c>docs/transport.md</c> ("Admission").
/// </summary>
public sealed record StreamOptions
{
    /// <summary>
    /// Inbound Plumtree streams held at once. When full, a new stream evicts a pending one (no hello yet, or a sender
    /// not known yet) or one idle for half <see cref="IdleTimeout"/>; only when every slot is a member's live stream is
    /// it refused. Default 1024.
    /// </summary>
    public int MaxInboundConnections { get; init; } = 1024;

    /// <summary>
    /// Pending inbound streams (no hello yet, or a sender not known yet) one IP address may hold; a new one over the
    /// limit evicts the oldest. Members' established streams do not count, so a cluster on one host is not limited. Default 16.
    /// </summary>
    public int MaxPendingPerAddress { get; init; } = 16;

    /// <summary>Time an accepted stream has to deliver its whole hello. Default 5 s.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time a frame (or sealed record) has to arrive whole once it has begun, restarted by every complete frame. Default 10 s.</summary>
    public TimeSpan FrameReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An inbound stream that carries nothing for this long is closed; a node closes its own outbound stream after half
    /// of it with nothing to send (and reconnects on its next frame). Keep it the same on every node. Default 10 min.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A node's outbound stream to a member that is not one of its Plumtree peers (opened for an overlay repair probe, a
    /// splice request, an anti-entropy round, a graft) closes after this long with nothing to send (at most half
    /// <see cref="IdleTimeout"/>); streams to peers keep <see cref="IdleTimeout"/>. This keeps a node's streams near its
    /// peer count instead of one per member. Default 5 s.
    /// </summary>
    public TimeSpan TransientIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a stream whose hello names a sender that is not an alive or suspect member is held, unread, waiting for
    /// membership to learn it (a joining node's stream can arrive before its alive gossip); then it is refused. Zero
    /// refuses at once. Default 5 s.
    /// </summary>
    public TimeSpan UnknownSenderGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed outbound stream attempts to a peer that make it count as failing in the <c>streams</c> health check. Default 3.</summary>
    public int HealthFailureThreshold { get; init; } = 3;

    /// <summary>Every key that is out of range, as <c>Key: rule</c>; empty when the options are usable.</summary>
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

        Check(MaxInboundConnections is >= 1 and <= 1_000_000, nameof(MaxInboundConnections), "must be between 1 and 1000000");
        Check(MaxPendingPerAddress >= 1, nameof(MaxPendingPerAddress), "must be at least 1");
        Check(HelloTimeout >= TimeSpan.FromMilliseconds(1) && HelloTimeout <= TimeSpan.FromDays(1), nameof(HelloTimeout), "must be between 1 ms and 1 day");
        Check(FrameReadTimeout >= TimeSpan.FromMilliseconds(1) && FrameReadTimeout <= TimeSpan.FromDays(1), nameof(FrameReadTimeout), "must be between 1 ms and 1 day");
        Check(IdleTimeout >= TimeSpan.FromMilliseconds(2) && IdleTimeout <= TimeSpan.FromDays(1), nameof(IdleTimeout), "must be between 2 ms and 1 day");
        Check(TransientIdleTimeout >= TimeSpan.FromMilliseconds(1) && TransientIdleTimeout <= TimeSpan.FromDays(1), nameof(TransientIdleTimeout), "must be between 1 ms and 1 day");
        Check(UnknownSenderGrace >= TimeSpan.Zero && UnknownSenderGrace <= TimeSpan.FromDays(1), nameof(UnknownSenderGrace), "must be between 0 and 1 day");
        Check(HealthFailureThreshold >= 1, nameof(HealthFailureThreshold), "must be at least 1");
        return errors;
    }
}
