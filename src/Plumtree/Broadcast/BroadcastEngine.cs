using Plumtree.Wire;

namespace Plumtree.Broadcast;

/// <summary>
/// The Plumtree broadcast engine: a sans-IO state machine (no sockets, threads, locks or clock reads).
/// Every input carries <c>now</c>, a monotonic time since an arbitrary origin chosen by the driver.
/// Outputs go to the <see cref="IBroadcastOutput"/> given at construction; after every input the driver
/// reads <see cref="NextTickAt"/> and calls <see cref="Tick"/> no later than that.
/// </summary>
public sealed partial class BroadcastEngine
{
    /// <summary>Creates an engine for node <paramref name="self"/>.</summary>
    public BroadcastEngine(string self, BroadcastOptions options, IBroadcastOutput output, Random random)
    {
        throw new NotImplementedException();
    }

    /// <summary>This node's name.</summary>
    public string Self => throw new NotImplementedException();

    /// <summary>The options in force.</summary>
    public BroadcastOptions Options => throw new NotImplementedException();

    /// <summary>The membership view of Plumtree-capable members changed (may include or exclude self).</summary>
    public void SetView(PeerView view, TimeSpan now) => throw new NotImplementedException();

    /// <summary>A frame arrived from <paramref name="from"/>.</summary>
    public void Receive(string from, in PlumtreeFrame frame, TimeSpan now) => throw new NotImplementedException();

    /// <summary>Time passed: fire due timers (graft timeouts, IHave batches, cache expiry).</summary>
    public void Tick(TimeSpan now) => throw new NotImplementedException();

    /// <summary>The earliest time the engine needs a <see cref="Tick"/>, or null when nothing is scheduled.</summary>
    public TimeSpan? NextTickAt => throw new NotImplementedException();

    /// <summary>Broadcast a new message with a caller-minted id: deliver locally, cache, push and announce.</summary>
    public void Broadcast(MessageId id, ReadOnlyMemory<byte> payload, TimeSpan now) => throw new NotImplementedException();

    /// <summary>An RTT sample for a peer, from live traffic; feeds the peer scores <see cref="Rebalance"/> uses.</summary>
    public void ObserveRtt(string peer, TimeSpan rtt) => throw new NotImplementedException();

    /// <summary>Restore the fanout targets: drop departed peers, fill the overlay, reset eager/lazy to the targets.</summary>
    public void Rebalance(TimeSpan now) => throw new NotImplementedException();

    /// <summary>Empty the payload cache (the de-duplication memory is kept, so nothing is delivered twice).</summary>
    public void ClearCache() => throw new NotImplementedException();

    /// <summary>Current eager peers.</summary>
    public IReadOnlyCollection<string> EagerPeers => throw new NotImplementedException();

    /// <summary>Current lazy peers.</summary>
    public IReadOnlyCollection<string> LazyPeers => throw new NotImplementedException();

    /// <summary>Current hash-ring neighbours (protected when <see cref="BroadcastOptions.ProtectRingNeighbors"/> is on).</summary>
    public IReadOnlyCollection<string> RingNeighbors => throw new NotImplementedException();

    /// <summary>Messages whose payload is cached.</summary>
    public int CacheSize => throw new NotImplementedException();

    /// <summary>Missing messages waiting for a graft.</summary>
    public int PendingGrafts => throw new NotImplementedException();

    /// <summary>Monotonic counters of what the engine did.</summary>
    public BroadcastCounters Counters => throw new NotImplementedException();

    /// <summary>An immutable snapshot of the operator-visible state.</summary>
    public BroadcastSnapshot Snapshot(TimeSpan now) => throw new NotImplementedException();
}
