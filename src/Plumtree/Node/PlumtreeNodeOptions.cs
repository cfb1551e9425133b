using Plumtree.Broadcast;

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

    /// <summary>Optional memberlist cluster label (v0.3+ wire header). Default none.</summary>
    public string? Label { get; set; }

    /// <summary>Failure zone, published as the <c>zone</c> tag.</summary>
    public string? Zone { get; set; }

    /// <summary>Extra tags published in node meta (serf tag encoding).</summary>
    public IDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Broadcast settings; null takes the preset matching <see cref="Profile"/>.</summary>
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

    /// <summary>Seed for the node's random choices; null derives one from the node name (still deterministic per node).</summary>
    public int? RandomSeed { get; set; }

    /// <summary>Returns one message per invalid key, naming it; empty when valid.</summary>
    public IReadOnlyList<string> Validate() => throw new NotImplementedException();
}
