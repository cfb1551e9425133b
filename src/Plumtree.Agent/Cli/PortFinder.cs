using System.Net;
using System.Net.Sockets;

namespace Plumtree.Agent.Cli;

/// <summary>Finds loopback ports that are free right now (for the demo cluster).</summary>
internal static class PortFinder
{
    /// <summary>A port free for both TCP and UDP on <paramref name="address"/> (memberlist uses both).</summary>
    public static int FreeTcpAndUdpPort(IPAddress address)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = FreeTcpPort(address);
            if (IsUdpFree(address, port))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no port free for both TCP and UDP was found");
    }

    public static int FreeTcpPort(IPAddress address)
    {
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public static bool IsTcpFree(IPAddress address, int port)
    {
        try
        {
            using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsUdpFree(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
