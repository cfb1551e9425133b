using System.Net;

namespace Plumtree.Storage;

/// <summary>A member this node has seen alive: enough to contact it again after a restart.</summary>
/// <param name="Name">The member's node name.</param>
/// <param name="Address">The membership address (memberlist port) it was reachable at.</param>
/// <param name="LastSeen">When this node last saw it alive.</param>
public sealed record KnownPeer(string Name, IPEndPoint Address, DateTimeOffset LastSeen);
