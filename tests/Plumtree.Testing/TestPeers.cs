using System.Net;
using Plumtree.Storage;

namespace Plumtree.Testing;

/// <summary>Known-peer records for the peer store tests (storage, hosting, agent).</summary>
public static class TestPeers
{
    /// <summary>The reference instant: <see cref="Peer"/> times are seconds after it.</summary>
    public static DateTimeOffset T0 { get; } = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    /// <summary>A peer named <paramref name="name"/> at <paramref name="address"/> (<c>ip:port</c>), last seen <paramref name="secondsAfterT0"/> after <see cref="T0"/>.</summary>
    public static KnownPeer Peer(string name, string address, double secondsAfterT0) =>
        new(name, IPEndPoint.Parse(address), T0.AddSeconds(secondsAfterT0));
}
