using System.Net;
using System.Text;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Storage;
using Plumtree.Sync;
using Plumtree.Transport;
using Plumtree.Wire;

namespace Plumtree.Node;

/// <summary>Which kind of cluster the node joins (decides the memberlist delegate versions and meta encoding).</summary>
public enum ClusterCompatibility
{
    /// <summary>A plain HashiCorp memberlist cluster: delegate versions 0/0/0.</summary>
    Memberlist,

    /// <summary>A Serf cluster: delegate versions 2/5/4, serf tags in meta, a serf leave intent before leaving.</summary>
    Serf,
}

/// <summary>
/// Settings of a <see cref="PlumtreeNode"/>. A plain settable class so it binds from configuration
/// (section <c>Plumtree</c>); <see cref="Validate"/> names every bad key. Every key is documented in
/// <c>docs/configuration.md</c>.
/// </summary>
public sealed class PlumtreeNodeOptions
{
    /// <summary>Unique node name. Default: the machine's host name.</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Address the UDP and TCP sockets bind to. Default <c>0.0.0.0</c>.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Port for both UDP and TCP; 0 picks a free one. Default 7946.</summary>
    public int BindPort { get; set; } = 7946;

    /// <summary>Address other members use to reach this node. Default: the bind address (or the first non-loopback IPv4 when binding 0.0.0.0).</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>Port other members use to reach this node. Default: the bound port.</summary>
    public int? AdvertisePort { get; set; }

    /// <summary>Timing preset: <c>local</c>, <c>lan</c> or <c>wan</c> (memberlist's defaults). Default <c>lan</c>.</summary>
    public string Profile { get; set; } = "lan";

    /// <summary>Cluster compatibility mode. Default <see cref="ClusterCompatibility.Memberlist"/>.</summary>
    public ClusterCompatibility Compatibility { get; set; } = ClusterCompatibility.Memberlist;

    /// <summary>Base64 AES keys (16, 24 or 32 bytes). The first encrypts; any decrypts. Empty: no encryption.</summary>
    public IList<string> EncryptionKeys { get; set; } = [];

    /// <summary>
    /// Where the keyring is kept across restarts (a JSON array of base64 keys, the primary first, mode 0600; serf's
    /// keyring file format); null = key changes made at run time (<see cref="PlumtreeNode.InstallKeyAsync"/> and friends)
    /// live in memory only. When the file exists at start it takes precedence over <see cref="EncryptionKeys"/>; it is
    /// written on every change of the keyring.
    /// </summary>
    public string? KeyringFile { get; set; }

    /// <summary>Optional memberlist cluster label (v0.3+ wire header). Default none.</summary>
    public string? Label { get; set; }

    /// <summary>Failure zone, published as the <c>zone</c> tag.</summary>
    public string? Zone { get; set; }

    /// <summary>Extra tags published in node meta (serf tag encoding).</summary>
    public IDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Broadcast settings; null takes the preset matching <see cref="Profile"/> tuned for many senders (see <see cref="EffectiveBroadcast"/>).</summary>
    public BroadcastOptions? Broadcast { get; set; }

    /// <summary>Frames queued per peer before new ones are dropped (counted). Default 4096.</summary>
    public int PeerQueueCapacity { get; set; } = 4096;

    /// <summary>Frames per second accepted from one peer before the excess is dropped (counted). Default 50,000.</summary>
    public int PeerInboundRateLimit { get; set; } = 50_000;

    /// <summary>Deliveries buffered per subscriber of <see cref="PlumtreeNode.ReadMessagesAsync"/> before the oldest are dropped. Default 10,000.</summary>
    public int SubscriberBufferCapacity { get; set; } = 10_000;

    /// <summary>Window over which graft failures are rated for health. Default 60 s.</summary>
    public TimeSpan HealthWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Graft failures within <see cref="HealthWindow"/> above which health is Degraded. Default 10.</summary>
    public int HealthGraftFailureThreshold { get; set; } = 10;

    /// <summary>Cache fill ratio (0–1) above which health is Degraded. Default 0.9.</summary>
    public double HealthCacheNearCapacityRatio { get; set; } = 0.9;

    /// <summary>How often, on average, the node tries a push/pull join with one member that failed (as serf's reconnect), so a healed partition merges back: the first try when the member fails, then each wait drawn from 0.5–1.5 × this so that nodes which saw the same failure do not try in step. Default 30 s.</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a failed member is retried by <see cref="ReconnectInterval"/>. Default 24 h.</summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Seed for the node's random choices; null derives one from the node name (peer choices deterministic per node) and
    /// takes the random part of message ids from the OS's entropy, so ids never repeat across restarts. Set it only for
    /// reproducible tests.
    /// </summary>
    public int? RandomSeed { get; set; }

    /// <summary>
    /// Anti-entropy (section <c>Plumtree:Sync</c>): periodic reconciliation of the stored message ids with a random
    /// peer, and an immediate round with a member that comes back. On by default; see <c>docs/sync.md</c>.
    /// </summary>
    public SyncOptions Sync { get; set; } = new();

    /// <summary>
    /// Validates every message before this node delivers, stores, forwards or syncs it, its own broadcasts included
    /// (accept / reject / ignore, as gossipsub's validators): one bad producer cannot poison the cluster when every
    /// node runs the validator. Runs on the node's loop, so it must be quick. Null (default): every message is
    /// accepted. Refusals are counted in <c>plumtree_dropped_total</c> (reasons <c>validation_rejected</c>,
    /// <c>validation_ignored</c>, <c>validation_failed</c> when it throws).
    /// </summary>
    public MessageValidator? MessageValidator { get; set; }

    /// <summary>
    /// Admission of inbound Plumtree streams (section <c>Plumtree:Streams</c>): limits, deadlines, the sender check's
    /// grace and the <c>streams</c> health check; see <c>docs/transport.md</c>, "Admission".
    /// </summary>
    public StreamOptions Streams { get; set; } = new();

    /// <summary>
    /// TLS 1.3 for the Plumtree streams (section <c>Plumtree:Tls</c>), optionally mutual; null (default) = streams are
    /// plaintext or sealed with the keyring. Memberlist's UDP and TCP keep the keyring. See <c>docs/security.md</c>, "TLS".
    /// </summary>
    public TlsOptions? Tls { get; set; }

    /// <summary>
    /// Where delivered messages are kept across restarts (payloads served to sync, ids that keep delivery
    /// exactly-once); null = an <see cref="InMemoryMessageStore"/> (nothing survives the process). The node owns
    /// calls to it from one background writer; it does not dispose it.
    /// </summary>
    public IMessageStore? MessageStore { get; set; }

    /// <summary>Largest payload a Plumtree stream record can carry in one Gossip frame.</summary>
    internal const int MaxStreamMessageSize = PlumtreeStreamProtocol.MaxRecordPlaintext - 1024;

    /// <summary>Test and benchmark hook: adjusts the membership options derived from <see cref="Profile"/> (timers only; names, addresses and meta are set by the node).</summary>
    internal Func<MembershipOptions, MembershipOptions>? ConfigureMembership { get; set; }

    /// <summary>Test and benchmark hook: adjusts the Plumtree stream transport options.</summary>
    internal Func<PlumtreeStreamOptions, PlumtreeStreamOptions>? ConfigureStreams { get; set; }

    /// <summary>Test hook: fault injection for every datagram, stream dial and frame this node sends.</summary>
    internal ITransportInterceptor? Interceptor { get; set; }

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

        Check(!string.IsNullOrWhiteSpace(NodeName), nameof(NodeName), "must be set");
        Check(NodeName is null || Encoding.UTF8.GetByteCount(NodeName) <= PlumtreeStreamProtocol.MaxNodeNameBytes, nameof(NodeName), "must be at most 1024 UTF-8 bytes");
        Check(IPAddress.TryParse(BindAddress, out _), nameof(BindAddress), "must be an IP address");
        Check(BindPort is >= 0 and <= IPEndPoint.MaxPort, nameof(BindPort), "must be between 0 and 65535 (0 picks a free port)");
        Check(
            AdvertiseAddress is null || (IPAddress.TryParse(AdvertiseAddress, out var advertise) && !advertise.Equals(IPAddress.Any) && !advertise.Equals(IPAddress.IPv6Any)),
            nameof(AdvertiseAddress),
            "must be a concrete IP address (not 0.0.0.0) or unset");
        Check(AdvertisePort is null or (>= 1 and <= IPEndPoint.MaxPort), nameof(AdvertisePort), "must be between 1 and 65535 or unset");
        Check(Profile is "local" or "lan" or "wan", nameof(Profile), "must be local, lan or wan");
        Check(Enum.IsDefined(Compatibility), nameof(Compatibility), "must be Memberlist or Serf");
        Check(Label is null || Encoding.UTF8.GetByteCount(Label) <= Wire.Memberlist.MemberlistLimits.MaxLabelBytes, nameof(Label), "must be at most 255 UTF-8 bytes");
        for (var i = 0; i < (EncryptionKeys?.Count ?? 0); i++)
        {
            Check(NodeKeys.TryDecode(EncryptionKeys![i], out _), $"{nameof(EncryptionKeys)}[{i}]", "must be base64 of a 16, 24 or 32 byte AES key");
        }

        if (Tags is not null)
        {
            foreach (var key in Tags.Keys)
            {
                Check(key.Length > 0, nameof(Tags), "tag names must not be empty");
                Check(key is not (MemberMeta.PlumtreeTag or MemberMeta.ZoneTag), $"{nameof(Tags)}.{key}", $"is reserved (set by the node; use {nameof(Zone)} for the zone)");
            }
        }

        if (Tags is not null && !MemberMeta.Fits(Tags, Zone))
        {
            errors.Add($"{nameof(Tags)}: node meta (tags, zone and pt in serf encoding) must fit in {MembershipOptions.MetaMaxSize} bytes");
        }

        if (Broadcast is not null)
        {
            errors.AddRange(Broadcast.Validate().Select(e => $"{nameof(Broadcast)}.{e}"));
            Check(
                Broadcast.MaxMessageSize <= MaxStreamMessageSize,
                $"{nameof(Broadcast)}.{nameof(BroadcastOptions.MaxMessageSize)}",
                $"must be at most {MaxStreamMessageSize} for a node (the Plumtree stream record limit)");
        }

        if (Sync is null)
        {
            errors.Add($"{nameof(Sync)}: must be set");
        }
        else
        {
            errors.AddRange(Sync.Validate().Select(e => $"{nameof(Sync)}.{e}"));
            Check(
                Sync.PageBytes <= MaxStreamMessageSize,
                $"{nameof(Sync)}.{nameof(SyncOptions.PageBytes)}",
                $"must be at most {MaxStreamMessageSize} for a node (the Plumtree stream record limit)");
        }

        if (Streams is null)
        {
            errors.Add($"{nameof(Streams)}: must be set");
        }
        else
        {
            errors.AddRange(Streams.Validate().Select(e => $"{nameof(Streams)}.{e}"));
        }

        if (Tls is not null)
        {
            errors.AddRange(Tls.Validate().Select(e => $"{nameof(Tls)}.{e}"));
        }

        Check(PeerQueueCapacity >= 1, nameof(PeerQueueCapacity), "must be at least 1");
        Check(PeerInboundRateLimit >= 0, nameof(PeerInboundRateLimit), "must be 0 (unlimited) or more");
        Check(SubscriberBufferCapacity >= 1, nameof(SubscriberBufferCapacity), "must be at least 1");
        Check(ReconnectInterval > TimeSpan.Zero, nameof(ReconnectInterval), "must be positive");
        Check(ReconnectTimeout >= TimeSpan.Zero, nameof(ReconnectTimeout), "must not be negative (zero = never reconnect)");
        Check(HealthWindow > TimeSpan.Zero, nameof(HealthWindow), "must be positive");
        Check(HealthGraftFailureThreshold >= 0, nameof(HealthGraftFailureThreshold), "must be 0 or more");
        Check(HealthCacheNearCapacityRatio is > 0 and <= 1, nameof(HealthCacheNearCapacityRatio), "must be greater than 0 and at most 1");
        return errors;
    }

    /// <summary>
    /// The hop-count optimisation threshold a node uses when <see cref="Broadcast"/> is unset (the paper's value for many
    /// senders; it applies when the optimisation is switched on).
    /// </summary>
    public const int ManySendersOptimizationThreshold = 7;

    /// <summary>
    /// <see cref="BroadcastOptions.PruneAfterDuplicates"/> a node uses when <see cref="Broadcast"/> is unset. With
    /// concurrent senders and uneven latency, pruning on the first duplicate (the paper's rule) keeps breaking the tree
    /// apart; three duplicates in a row from one peer mark a real cycle.
    /// </summary>
    public const int ManySendersPruneAfterDuplicates = 3;

    /// <summary>
    /// <see cref="BroadcastOptions.PruneDelay"/> a node uses when <see cref="Broadcast"/> is unset (profiles other than
    /// <c>wan</c>): 50 ms, many LAN round trips. Pruned at once, the links of one cycle — each bringing duplicates for
    /// other origins — go together and cut the shared tree apart (a graft storm at high message rates); armed at random
    /// moments 50–100 ms later, the first prune breaks the cycle and the other links' duplicates stop before theirs.
    /// </summary>
    public static readonly TimeSpan ManySendersPruneDelay = TimeSpan.FromMilliseconds(50);

    /// <summary><see cref="ManySendersPruneDelay"/> for the <c>wan</c> profile (round trips of 50–300 ms): 1 s.</summary>
    public static readonly TimeSpan ManySendersPruneDelayWan = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The broadcast options in force: <see cref="Broadcast"/>, else the preset matching <see cref="Profile"/>
    /// (<c>wan</c> for wan, <c>lan</c> otherwise) tuned for a cluster where every member may broadcast: the hop-count
    /// optimisation off (with concurrent senders its link swaps keep reshaping the shared tree, which then fragments
    /// and sets off graft storms; damped by <see cref="BroadcastOptions.OptimizationConfirmations"/> too, measured at 16–32
    /// nodes), <see cref="BroadcastOptions.OptimizationThreshold"/> =
    /// <see cref="ManySendersOptimizationThreshold"/> should it be switched on, and
    /// <see cref="BroadcastOptions.PruneAfterDuplicates"/> = <see cref="ManySendersPruneAfterDuplicates"/> and
    /// <see cref="BroadcastOptions.PruneDelay"/> = <see cref="ManySendersPruneDelay"/> (<see cref="ManySendersPruneDelayWan"/>
    /// for wan). The
    /// measurements behind these choices are in <c>docs/configuration.md</c> (section Node).
    /// </summary>
    public BroadcastOptions EffectiveBroadcast =>
        Broadcast ?? ((Profile == "wan" ? BroadcastOptions.Wan : BroadcastOptions.Lan) with
        {
            Optimization = false,
            OptimizationThreshold = ManySendersOptimizationThreshold,
            PruneAfterDuplicates = ManySendersPruneAfterDuplicates,
            PruneDelay = Profile == "wan" ? ManySendersPruneDelayWan : ManySendersPruneDelay,
        });

    /// <summary>The sync options in force: <see cref="Sync"/> with the largest message it accepts set to the broadcast's.</summary>
    internal SyncOptions EffectiveSync => Sync with { MaxMessageBytes = EffectiveBroadcast.MaxMessageSize };
}
