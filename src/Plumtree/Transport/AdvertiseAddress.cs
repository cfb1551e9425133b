using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Plumtree.Transport;

/// <summary>Chooses the address a node advertises (memberlist's <c>FinalAdvertiseAddr</c>).</summary>
internal static class AdvertiseAddress
{
    /// <summary>
    /// The configured advertise address if any; else the bind address unless it is a wildcard; else the
    /// first private IPv4 address among <paramref name="candidates"/> (this host's addresses when
    /// <see langword="null"/>), else the first other non-loopback, non-link-local IPv4 address.
    /// </summary>
    /// <exception cref="InvalidOperationException">A wildcard bind, no advertise address, and no usable IPv4 address.</exception>
    public static IPAddress Resolve(IPAddress bind, IPAddress? advertise, IEnumerable<IPAddress>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        if (advertise is not null)
        {
            return Normalize(advertise);
        }

        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            return Normalize(bind);
        }

        var usable = (candidates ?? HostAddresses())
            .Select(Normalize)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a) && !IsLinkLocal(a) && !a.Equals(IPAddress.Any))
            .ToList();
        return usable.Find(IsPrivate) ?? usable.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "Bound to every interface (0.0.0.0) but this host has no non-loopback IPv4 address to advertise; set the advertise address explicitly.");
    }

    /// <summary>RFC 1918 and carrier-grade NAT (100.64/10) ranges, as Go's <c>GetPrivateIP</c> prefers.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b.Length == 4 && (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xC0) == 64));
    }

    private static bool IsLinkLocal(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b.Length == 4 && b[0] == 169 && b[1] == 254;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IEnumerable<IPAddress> HostAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address);
}
