using System.Net;
using System.Net.Sockets;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>Free loopback ports (memberlist uses the same number for UDP and TCP).</summary>
internal static class Ports
{
    /// <summary>A port that is free for both TCP and UDP on 127.0.0.1 right now.</summary>
    public static int FreeTcpAndUdp()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // UDP side taken: try another.
            }
        }

        throw new InvalidOperationException("No port free for both TCP and UDP on 127.0.0.1 after 50 attempts.");
    }

    /// <summary>A free TCP port on 127.0.0.1 (for serf's RPC listener).</summary>
    public static int FreeTcp()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)tcp.LocalEndPoint!).Port;
    }
}
