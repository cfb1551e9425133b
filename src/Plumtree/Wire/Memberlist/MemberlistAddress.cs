using System.Net;
using System.Net.Sockets;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Conversions between memberlist's raw IP bytes (<c>Addr</c>, <c>Target</c>, <c>SourceAddr</c>) and
/// <see cref="IPAddress"/>. The wire carries 4 bytes for IPv4 and 16 for IPv6; Go nodes with an
/// auto-detected address send IPv4 as the 16-byte IPv4-mapped form, which is read as IPv4.
/// </summary>
internal static class MemberlistAddress
{
    /// <summary>The wire form of <paramref name="address"/>: 4 bytes for IPv4 (also IPv4-mapped IPv6), else 16.</summary>
    public static byte[] ToWire(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().GetAddressBytes();
        }

        return address.GetAddressBytes();
    }

    /// <summary>
    /// Reads raw address bytes: 4 bytes = IPv4, 16 bytes = IPv6 (IPv4-mapped ones become IPv4).
    /// Any other length is not an address.
    /// </summary>
    public static bool TryFromWire(ReadOnlySpan<byte> raw, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        switch (raw.Length)
        {
            case 4:
                address = new IPAddress(raw);
                return true;
            case 16:
                var v6 = new IPAddress(raw);
                address = v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
                return true;
            default:
                address = null;
                return false;
        }
    }

    /// <summary>Like <see cref="TryFromWire"/>, but a wrong length is a <see cref="WireDecodeException"/>.</summary>
    public static IPAddress FromWire(ReadOnlySpan<byte> raw) =>
        TryFromWire(raw, out var address)
            ? address
            : throw new WireDecodeException("memberlist", "bad_address", $"An address must be 4 or 16 bytes, got {raw.Length}.");

    /// <summary>
    /// The canonical wire form of raw address bytes: IPv4-mapped 16-byte addresses become 4 bytes,
    /// anything else is returned unchanged.
    /// </summary>
    public static byte[]? Normalize(byte[]? raw) =>
        raw is { Length: 16 } && TryFromWire(raw, out var address) && address.AddressFamily == AddressFamily.InterNetwork
            ? address.GetAddressBytes()
            : raw;
}
