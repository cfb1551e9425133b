using System.Net;
using Plumtree.Broadcast;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>A decoded UDP packet arrived. Runs on the receive loop: hand it to the node's event loop and return.</summary>
/// <param name="from">The UDP source address.</param>
/// <param name="packet">The messages it carried.</param>
/// <param name="receivedAt">When it arrived, as a <see cref="TimeProvider.GetTimestamp"/> value of the transport's clock.</param>
internal delegate void PacketReceivedHandler(IPEndPoint from, DecodedPacket packet, long receivedAt);

/// <summary>
/// An inbound push/pull: return the local state to send back, with the same <see cref="PushPull.Join"/> flag as
/// the request (as Go does); merging the remote state is then the caller's business (Go replies first, then
/// merges). Throwing closes the stream unanswered.
/// </summary>
/// <param name="from">The dialer's address.</param>
/// <param name="remote">The remote state.</param>
/// <param name="cancellationToken">Fires at the stream's deadline or on shutdown.</param>
internal delegate ValueTask<PushPull> PushPullHandler(IPEndPoint from, PushPull remote, CancellationToken cancellationToken);

/// <summary>A reliable (TCP) user message arrived.</summary>
/// <param name="from">The dialer's address.</param>
/// <param name="message">The message.</param>
/// <param name="receivedAt">When it arrived (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal delegate void StreamUserMessageHandler(IPEndPoint from, UserMessage message, long receivedAt);

/// <summary>Takes over an inbound TCP connection that started with a registered prefix byte; the connection is closed when the task ends.</summary>
/// <param name="stream">The connection, positioned after the prefix byte.</param>
/// <param name="cancellationToken">Fires on shutdown.</param>
internal delegate Task StreamAcceptor(AcceptedStream stream, CancellationToken cancellationToken);

/// <summary>A Plumtree frame arrived from a peer. Runs on that connection's read loop: hand it on and return.</summary>
/// <param name="fromNode">The sender's node name (from the connection's hello).</param>
/// <param name="frame">The frame.</param>
/// <param name="receivedAt">When it arrived (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal delegate void FrameReceivedHandler(string fromNode, PlumtreeFrame frame, long receivedAt);
