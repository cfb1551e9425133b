using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Plumtree.Hosting;

/// <summary>A seed as configured: a host (name or IP literal) and a port, resolved to addresses at each join round.</summary>
/// <param name="Host">Host name or IP literal (IPv6 without brackets).</param>
/// <param name="Port">Port.</param>
public sealed record SeedAddress(string Host, int Port)
{
    /// <summary>memberlist's default port, used when a seed names no port.</summary>
    public const int DefaultPort = 7946;

    /// <summary>Parses <c>host</c>, <c>host:port</c>, <c>ip:port</c>, <c>[v6]</c> or <c>[v6]:port</c>.</summary>
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

    /// <summary>Resolves the host (an IP literal resolves to itself).</summary>
    public async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(CancellationToken cancellationToken)
    {
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
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
