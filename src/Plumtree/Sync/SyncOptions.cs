namespace Plumtree.Sync;

/// <summary>
/// Settings of anti-entropy sync and of the message store it reconciles (configuration section <c>Plumtree:Sync</c>).
/// Use <see cref="Validate"/> (or <see cref="ThrowIfInvalid"/>) before handing options to a <c>SyncEngine</c>;
/// every key is documented in <c>docs/configuration.md</c> and the guarantee they bound in <c>docs/sync.md</c>.
/// </summary>
public sealed record SyncOptions
{
    /// <summary>Run anti-entropy rounds. Default on. Off: no rounds are started or answered; the store still de-duplicates.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Time between periodic rounds, each with one random live peer. Default 10 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a delivered message is kept, served and reconciled. Default 1 hour.</summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Byte bound of the stored payloads; beyond it the oldest messages are dropped first. Default 256 MiB.</summary>
    public long MaxStoreBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// How far back a node that joins with an empty store catches up (so a new node is not flooded with history).
    /// Default 5 minutes; at most <see cref="Horizon"/>.
    /// </summary>
    public TimeSpan JoinWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest sync frame body in bytes (a page of ranges, ids or messages); one message larger than a page travels alone. Default 64 KiB.</summary>
    public int PageBytes { get; init; } = 64 * 1024;

    /// <summary>A round not finished within this time fails with reason <c>timeout</c>. Default 10 s.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reconciliation messages one round may send before it stops (reason <c>round_trips</c>). Default 32.</summary>
    public int MaxRoundTrips { get; init; } = 32;

    /// <summary>Ids minted up to this far in the future (another node's clock ahead of ours) are reconciled too. Default 1 minute.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The node pushes every message it recovers by sync that was broadcast while it ran (a partition cut it off) into
    /// the broadcast tree again, with its original id, so the rest of the cluster gets it from the tree instead of
    /// waiting for their own rounds; the history a restarted node or a late joiner fetches is not re-injected (the
    /// others hold it). Default on: after a healed
    /// partition the simulator measured consistency in about one <see cref="Interval"/> at any size (9.5 s at 1,000
    /// nodes, 9.0 s at 10,000) instead of 26.6 s and 94.8 s without, for 15–35% more repair bytes
    /// (<c>docs/simulation/report.md</c>, section 6).
    /// </summary>
    public bool Reinject { get; init; } = true;

    /// <summary>
    /// Largest payload accepted through sync (Messages and Push pages); a larger one is refused and counted as malformed.
    /// Default 1 MiB. The Plumtree frame size limit must leave room for one such message plus 38 bytes of framing.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

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

        Check(Interval >= TimeSpan.FromMilliseconds(10) && Interval <= TimeSpan.FromDays(1), nameof(Interval), "must be between 10 ms and 1 day");
        Check(Horizon >= TimeSpan.FromSeconds(1) && Horizon <= TimeSpan.FromDays(30), nameof(Horizon), "must be between 1 second and 30 days");
        Check(MaxStoreBytes >= 64 * 1024, nameof(MaxStoreBytes), "must be at least 65536");
        Check(JoinWindow >= TimeSpan.Zero && JoinWindow <= Horizon, nameof(JoinWindow), "must be between 0 and Horizon");
        Check(PageBytes is >= 4096 and <= 16 * 1024 * 1024, nameof(PageBytes), "must be between 4096 and 16777216");
        Check(RoundTimeout >= TimeSpan.FromMilliseconds(10) && RoundTimeout <= TimeSpan.FromHours(1), nameof(RoundTimeout), "must be between 10 ms and 1 hour");
        Check(MaxRoundTrips is >= 1 and <= 1000, nameof(MaxRoundTrips), "must be between 1 and 1000");
        Check(ClockSkew >= TimeSpan.Zero && ClockSkew <= TimeSpan.FromHours(1), nameof(ClockSkew), "must be between 0 and 1 hour");
        Check(MaxMessageBytes > 0, nameof(MaxMessageBytes), "must be greater than 0");
        return errors;
    }

    /// <summary>Returns this instance, or throws <see cref="ArgumentException"/> naming every bad key.</summary>
    /// <exception cref="ArgumentException">Some key is out of range.</exception>
    public SyncOptions ThrowIfInvalid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid sync options: " + string.Join("; ", errors));
    }
}
