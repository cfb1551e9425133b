
namespace Plumtree.Broadcast;

/// <summary>
/// One member of a broadcast engine's peer set: its role, ring status, RTT score and the IHave
/// announcements waiting to be batched to it. Owned by a single engine; never shared.
/// </summary>
internal sealed class PeerState
{
    public PeerState(string name) => Name = name;

    /// <summary>The peer's node name.</summary>
    public string Name { get; }

    /// <summary>True while the peer is in the eager set (else lazy).</summary>
    public bool IsEager { get; set; }

    /// <summary>True while the peer is one of this node's hash-ring neighbours.</summary>
    public bool IsRing { get; set; }

    /// <summary>True while the peer is in another zone than this node's (see <c>BroadcastEngine.Zones.cs</c>).</summary>
    public bool CrossZone { get; set; }

    /// <summary>False once the peer has left the set (timers that still point at it are stale).</summary>
    public bool Active { get; set; } = true;

    /// <summary>
    /// True once the peer showed it has us too (it asked for the link, or sent anything but Disconnect). A
    /// Disconnect from an unconfirmed peer is a refusal of our request; from a confirmed one, an eviction.
    /// </summary>
    public bool Confirmed { get; set; }

    /// <summary>
    /// True when this ring neighbour sent Disconnect: its view does not (yet) count us among its ring neighbours.
    /// The link is kept until the next view change settles it: dropped if the peer is no longer a ring
    /// neighbour, asked again otherwise. Cleared by any other frame from the peer.
    /// </summary>
    public bool DroppedByRemote { get; set; }

    /// <summary>
    /// Duplicate Gossip received from the peer since it last became eager, less one for every new message it delivered
    /// (see <see cref="BroadcastOptions.PruneAfterDuplicates"/>).
    /// </summary>
    public int DuplicateStreak { get; set; }

    /// <summary>
    /// Consecutive distinct messages on which this peer offered a path shorter by the optimisation threshold
    /// (see <see cref="BroadcastOptions.OptimizationConfirmations"/>).
    /// </summary>
    public int ShortcutStreak { get; set; }

    /// <summary>The parent the shortcuts in <see cref="ShortcutStreak"/> bypass (messages from other peers do not count).</summary>
    public string? ShortcutParent { get; set; }

    /// <summary>The last message counted in <see cref="ShortcutStreak"/>, so one message counts once.</summary>
    public MessageId ShortcutMessage { get; set; }

    /// <summary>
    /// Latency-aware optimisation: the parent past which <see cref="GainMean"/> measures this peer (messages from other
    /// parents are not counted while the mean is not negative).
    /// </summary>
    public string? GainParent { get; set; }

    /// <summary>
    /// Latency-aware optimisation: mean time (ticks) by which this peer's announcements arrived before the Gossip from
    /// <see cref="GainParent"/> (negative: after), over the last messages (a running mean of the first
    /// <see cref="BroadcastOptions.OptimizationConfirmations"/>, then a moving mean of that weight).
    /// </summary>
    public long GainMean { get; set; }

    /// <summary>The engine's peer-set version when <see cref="GainMean"/> started: any change of the local tree makes it stale.</summary>
    public long GainVersion { get; set; }

    /// <summary>Messages counted in <see cref="GainMean"/>.</summary>
    public int GainCount { get; set; }

    /// <summary>The last message counted in <see cref="GainMean"/>, so one message counts once.</summary>
    public MessageId GainMessage { get; set; }

    /// <summary>
    /// With <see cref="BroadcastOptions.PruneDelay"/>: the moment from which the next duplicate prunes the peer; null
    /// while no prune is armed (cleared when <see cref="DuplicateStreak"/> is taken back to zero or the peer is made eager).
    /// </summary>
    public TimeSpan? PruneAt { get; set; }

    /// <summary>Shared tree: true while the peer is the parent or a child toward the root in force.</summary>
    public bool IsTreeLink { get; set; }

    /// <summary>Shared tree: smoothed round trip measured by Tree frame echoes, in microseconds; -1 before the first sample.</summary>
    public long TreeRtt { get; set; } = -1;

    /// <summary>Shared tree: the routes of the peer's last Tree frame (null before the first).</summary>
    public IReadOnlyList<SharedTreeRoute>? TreeRoutes { get; set; }

    /// <summary>Shared tree: the stamp of the peer's last Tree frame (0: none), echoed back in ours.</summary>
    public long TreeEchoStamp { get; set; }

    /// <summary>Shared tree: when <see cref="TreeEchoStamp"/> arrived.</summary>
    public TimeSpan TreeEchoAt { get; set; }

    /// <summary>Smoothed round-trip time, valid when <see cref="HasRtt"/>.</summary>
    public TimeSpan Rtt { get; set; }

    /// <summary>True once an RTT sample arrived.</summary>
    public bool HasRtt { get; set; }

    /// <summary>Announcements waiting for the next IHave frame to this peer (first <see cref="PendingCount"/> used).</summary>
    public IHaveEntry[]? Pending { get; set; }

    /// <summary>Announcements pending.</summary>
    public int PendingCount { get; set; }

    /// <summary>Bumped whenever the pending batch is flushed or dropped, so an older flush timer is recognised as stale.</summary>
    public int FlushStamp { get; set; }

    /// <summary>Folds an RTT sample into the score (exponentially weighted, alpha 1/4; the first sample is taken as is).</summary>
    public void ObserveRtt(TimeSpan rtt)
    {
        Rtt = HasRtt ? TimeSpan.FromTicks(Rtt.Ticks + ((rtt.Ticks - Rtt.Ticks) / 4)) : rtt;
        HasRtt = true;
    }

    /// <summary>Appends one announcement to the pending batch, growing the buffer up to <paramref name="max"/> entries.</summary>
    public void AddPending(in IHaveEntry entry, int max)
    {
        var buffer = Pending;
        if (buffer is null || PendingCount == buffer.Length)
        {
            var size = buffer is null ? Math.Min(max, 8) : Math.Min(max, buffer.Length * 2);
            var grown = new IHaveEntry[size];
            if (buffer is not null)
            {
                buffer.AsSpan(0, PendingCount).CopyTo(grown);
            }

            Pending = buffer = grown;
        }

        buffer[PendingCount++] = entry;
    }

    /// <summary>
    /// The pending batch, in the peer's own buffer: valid until the next <see cref="AddPending"/> (a frame built on it
    /// is sent before the batch is dropped, so the buffer is reused and never handed out for keeps).
    /// </summary>
    public ReadOnlyMemory<IHaveEntry> PendingBatch => Pending.AsMemory(0, PendingCount);

    /// <summary>Forgets the pending batch and invalidates the flush timer.</summary>
    public void DropPending()
    {
        PendingCount = 0;
        FlushStamp++;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({(IsEager ? "eager" : "lazy")}{(IsRing ? ", ring" : "")}{(CrossZone ? ", cross-zone" : "")})";
}
