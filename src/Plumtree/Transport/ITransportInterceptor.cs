using System.Net;
using Plumtree.Broadcast;

namespace Plumtree.Transport;

/// <summary>What a transport is about to send, as seen by an <see cref="ITransportInterceptor"/>.</summary>
internal enum TransportChannel
{
    /// <summary>A memberlist UDP datagram.</summary>
    Datagram,

    /// <summary>A memberlist TCP stream about to be dialed (push/pull, TCP ping, reliable user message).</summary>
    MemberlistStream,

    /// <summary>A Plumtree frame about to be queued for a peer.</summary>
    PlumtreeFrame,
}

/// <summary>Who sends to whom: names where the transport knows them, addresses always for the destination.</summary>
/// <param name="FromNode">The local node's name.</param>
/// <param name="FromAddress">The local node's advertised address, when the transport knows it.</param>
/// <param name="ToNode">The destination node's name, when known (Plumtree frames; not datagrams).</param>
/// <param name="ToAddress">The destination address.</param>
internal readonly record struct TransportRoute(string FromNode, IPEndPoint? FromAddress, string? ToNode, IPEndPoint ToAddress);

/// <summary>What to do with an outbound datagram, stream or frame.</summary>
internal enum InterceptAction
{
    /// <summary>Send it normally.</summary>
    Pass,

    /// <summary>Do not send it (a datagram or frame is lost; a stream dial fails as if refused).</summary>
    Drop,

    /// <summary>Send it after <see cref="InterceptVerdict.Delay"/>.</summary>
    Delay,
}

/// <summary>An interceptor's decision.</summary>
/// <param name="Action">Pass, drop or delay.</param>
/// <param name="Delay">How long to hold it back (only with <see cref="InterceptAction.Delay"/>).</param>
internal readonly record struct InterceptVerdict(InterceptAction Action, TimeSpan Delay)
{
    /// <summary>Send normally.</summary>
    public static InterceptVerdict Pass => default;

    /// <summary>Do not send.</summary>
    public static InterceptVerdict Drop => new(InterceptAction.Drop, TimeSpan.Zero);

    /// <summary>Send after <paramref name="delay"/> (a non-positive delay means pass).</summary>
    public static InterceptVerdict DelayBy(TimeSpan delay) => delay > TimeSpan.Zero ? new(InterceptAction.Delay, delay) : Pass;
}

/// <summary>
/// Fault-injection hook consulted for every outbound datagram, memberlist stream dial and Plumtree frame
/// (integration tests drop, delay and partition traffic with it; see <c>FaultInjector</c> in the test support
/// assembly <c>tests/Plumtree.Testing</c>).
/// Called from transport threads concurrently: implementations must be thread-safe and fast.
/// </summary>
internal interface ITransportInterceptor
{
    /// <summary>Decides the fate of one outbound item of <paramref name="size"/> bytes (0 for a stream dial).</summary>
    InterceptVerdict Intercept(TransportChannel channel, in TransportRoute route, int size);
}
