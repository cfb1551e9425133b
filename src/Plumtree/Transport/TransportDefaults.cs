using Plumtree.Wire;

namespace Plumtree.Transport;

/// <summary>Wire constants of the network transport that operators and other implementations depend on.</summary>
internal static class TransportDefaults
{
    /// <summary>The memberlist port: UDP and TCP on the same number (HashiCorp's default).</summary>
    public const int Port = 7946;

    /// <summary>
    /// First byte of a Plumtree stream on the shared TCP port (ASCII <c>'P'</c>). memberlist streams start
    /// with a message type (0–13) or the label header (0xF4), so this byte never starts one.
    /// </summary>
    public const byte PlumtreeStreamPrefix = PlumtreeStreamProtocol.Prefix;
}
