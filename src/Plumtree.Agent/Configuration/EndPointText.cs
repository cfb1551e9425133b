using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Plumtree.Agent.Configuration;

/// <summary>Parses <c>IP:PORT</c>, <c>[IPv6]:PORT</c> and (when a default port is given) a bare IP.</summary>
internal static class EndPointText
{
    public static bool TryParse(string? text, int? defaultPort, int minPort, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        string host;
        string? port = null;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }

                port = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        else
        {
            host = text;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        int value;
        if (port is null)
        {
            if (defaultPort is null)
            {
                return false;
            }

            value = defaultPort.Value;
        }
        else if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < minPort || value > 65535)
        {
            return false;
        }

        endPoint = new IPEndPoint(address, value);
        return true;
    }

    /// <summary>Formats as <c>ip:port</c> (<c>[v6]:port</c>).</summary>
    public static string Format(IPEndPoint endPoint) => endPoint.ToString();
}
