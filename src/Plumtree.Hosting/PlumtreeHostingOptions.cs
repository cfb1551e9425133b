using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Plumtree.Hosting;

/// <summary>
/// How the host runs the node: which seeds to join and how patiently, and how long a graceful leave may take.
/// Bound from the same configuration section as the node options (<c>Plumtree</c>): <c>Plumtree:Join</c>,
/// <c>Plumtree:JoinRetryInitialDelay</c>, ... Documented in <c>docs/configuration.md</c>.
/// </summary>
public sealed class PlumtreeHostingOptions
{
    /// <summary>The configuration section both option classes bind from.</summary>
    public const string SectionName = "Plumtree";

    /// <summary>
    /// Seeds to join at start: <c>ip:port</c>, <c>host:port</c>, <c>[v6]:port</c>, a bare host (port 7946), or a DNS SRV
    /// name as <c>srv:_service._tcp.domain</c> (its targets and ports, looked up at each join round). Empty: start as a
    /// lone seed.
    /// </summary>
    public IList<string> Join { get; set; } = [];

    /// <summary>
    /// The DNS server (<c>ip</c> or <c>ip:port</c>, port 53 when omitted) that <c>srv:</c> seeds are looked up at.
    /// Null: the system's DNS servers (<c>/etc/resolv.conf</c>). Host-name seeds always use the system resolver.
    /// </summary>
    public string? DnsServer { get; set; }

    /// <summary>Wait after the first failed join round; doubles per failure up to <see cref="JoinRetryMaxDelay"/>. Default 1 s.</summary>
    public TimeSpan JoinRetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between join rounds. Default 30 s.</summary>
    public TimeSpan JoinRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long start waits for the first successful join before the host reports ready anyway (running alone,
    /// still retrying in the background). Keeps <c>systemctl start</c> of a seed from hanging while the other
    /// seeds are down. Default 30 s.
    /// </summary>
    public TimeSpan JoinReadyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a graceful leave may take on stop. Default 10 s.</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many known peers (members seen alive before, kept by the <see cref="Plumtree.Storage.IPeerStore"/>, most
    /// recently seen first) a join round tries when none of the <see cref="Join"/> seeds answers, or once at start when
    /// no seed is configured. 0 turns this off. Default 5.
    /// </summary>
    public int KnownPeersJoinLimit { get; set; } = 5;

    /// <summary>How often the alive members are recorded in the peer store (and once more before the leave on stop). Default 10 s.</summary>
    public TimeSpan KnownPeersRecordInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Returns one message per invalid key, naming it (<c>Plumtree:Join:1: ...</c>); empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        for (var i = 0; i < Join.Count; i++)
        {
            if (!SeedAddress.TryParse(Join[i], out _, out var why))
            {
                errors.Add($"{SectionName}:{nameof(Join)}:{i}: '{Join[i]}' {why}");
            }
        }

        if (DnsServer is not null && !TryParseDnsServer(DnsServer, out _))
        {
            errors.Add($"{SectionName}:{nameof(DnsServer)}: '{DnsServer}' is not ip or ip:port (e.g. 10.96.0.10:53)");
        }

        if (JoinRetryInitialDelay <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(JoinRetryInitialDelay)}: must be positive");
        }

        if (JoinRetryMaxDelay < JoinRetryInitialDelay)
        {
            errors.Add($"{SectionName}:{nameof(JoinRetryMaxDelay)}: must be at least JoinRetryInitialDelay");
        }

        if (JoinReadyTimeout < TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(JoinReadyTimeout)}: must not be negative");
        }

        if (LeaveTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(LeaveTimeout)}: must be positive");
        }

        if (KnownPeersJoinLimit is < 0 or > 100)
        {
            errors.Add($"{SectionName}:{nameof(KnownPeersJoinLimit)}: must be between 0 and 100");
        }

        if (KnownPeersRecordInterval <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(KnownPeersRecordInterval)}: must be positive");
        }

        return errors;
    }

    /// <summary>The parsed <see cref="DnsServer"/> (port 53 when omitted); null when unset (or invalid, which validation at start refuses).</summary>
    public IPEndPoint? DnsServerEndPoint => DnsServer is not null && TryParseDnsServer(DnsServer, out var endPoint) ? endPoint : null;

    /// <summary>Parses <c>ip</c>, <c>ip:port</c> or <c>[v6]:port</c> (port 53 when omitted).</summary>
    internal static bool TryParseDnsServer(string text, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        text = text.Trim();
        if (!IPEndPoint.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.Port == 0)
        {
            if (text.EndsWith(":0", StringComparison.Ordinal) && !IPAddress.TryParse(text, out _))
            {
                return false;
            }

            parsed.Port = 53;
        }

        endPoint = parsed;
        return true;
    }
}
