using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Plumtree.Hosting;

/// <summary>
/// A seed as configured: a host (name or IP literal) and a port, or a DNS SRV name (<c>srv:name</c>) whose records
/// name the targets and ports; resolved to addresses at each join round.
/// </summary>
/// <param name="Host">Host name or IP literal (IPv6 without brackets); for an SRV seed, the SRV record's name.</param>
/// <param name="Port">Port; 0 for an SRV seed (the records carry the ports).</param>
public sealed partial record SeedAddress(string Host, int Port)
{
    /// <summary>memberlist's default port, used when a seed names no port.</summary>
    public const int DefaultPort = 7946;

    /// <summary>
    /// True for a DNS SRV seed (<c>srv:name</c> or <c>dns+srv:name</c>): <see cref="Host"/> is the SRV record's name,
    /// looked up at each join round; every target of its records is a seed, at the record's port.
    /// </summary>
    public bool IsSrv { get; init; }

    /// <summary>
    /// Parses <c>host</c>, <c>host:port</c>, <c>ip:port</c>, <c>[v6]</c>, <c>[v6]:port</c>, or an SRV name as
    /// <c>srv:name</c> / <c>dns+srv:name</c> (e.g. <c>srv:_gossip._tcp.plumtree.default.svc.cluster.local</c>).
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SeedAddress? seed, [NotNullWhen(false)] out string? error)
    {
        seed = null;
        error = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "is empty (expected host:port)";
            return false;
        }

        if (TrySrvPrefix(text, out var srvName))
        {
            return TryParseSrv(srvName, out seed, out error);
        }

        string host;
        string? portText = null;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "has an unclosed '[' (expected [ipv6]:port)";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = "has text after ']' that is not ':port'";
                    return false;
                }

                portText = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') > 1)
        {
            // A bare IPv6 literal has no port.
            host = text;
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace) || host.Contains('/', StringComparison.Ordinal))
        {
            error = "has no valid host (expected host:port)";
            return false;
        }

        var port = DefaultPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = "has an invalid port (expected 1-65535)";
            return false;
        }

        seed = new SeedAddress(host, port);
        return true;
    }

    /// <summary>Resolves the host (an IP literal resolves to itself); an SRV seed through the system's DNS servers.</summary>
    public Task<IReadOnlyList<IPEndPoint>> ResolveAsync(CancellationToken cancellationToken) => ResolveAsync(dnsServer: null, cancellationToken);

    /// <summary>
    /// Resolves the seed. A host name resolves through the operating system's resolver; an SRV seed's records (and
    /// their targets' addresses, when the answer does not carry them) are asked of <paramref name="dnsServer"/>, or
    /// of the system's DNS servers when null. A failed SRV lookup throws <see cref="SeedResolutionException"/>.
    /// </summary>
    public async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(IPEndPoint? dnsServer, CancellationToken cancellationToken)
    {
        if (IsSrv)
        {
            return await ResolveSrvAsync(dnsServer, cancellationToken).ConfigureAwait(false);
        }

        if (IPAddress.TryParse(Host, out var ip))
        {
            return [new IPEndPoint(ip, Port)];
        }

        var addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
        return addresses
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Select(a => new IPEndPoint(a, Port))
            .ToList();
    }

    /// <inheritdoc/>
    public override string ToString() => IsSrv ? SrvPrefix + Host : Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
