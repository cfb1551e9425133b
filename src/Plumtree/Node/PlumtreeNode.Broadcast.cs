using Plumtree.Broadcast;

namespace Plumtree.Node;

// Broadcast wiring: the engine's frames onto the stream transport by peer name, inbound frames into the
// engine, the API commands (broadcast, rebalance, clear cache).
public sealed partial class PlumtreeNode
{
    /// <summary>Broadcasts <paramref name="payload"/> to every member; returns its id. Delivered locally too.</summary>
    /// <remarks>The payload is copied; the caller may reuse its buffer at once.</remarks>
    /// <exception cref="ArgumentException">The payload is larger than the configured maximum message size.</exception>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public async ValueTask<MessageId> BroadcastAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > _broadcastOptions.MaxMessageSize)
        {
            throw new ArgumentException(
                $"The payload is {payload.Length} bytes; the maximum message size is {_broadcastOptions.MaxMessageSize}.", nameof(payload));
        }

        var copy = payload.ToArray();
        return await InvokeAsync(
            now =>
            {
                var id = _ids.Next();
                _broadcast.Broadcast(id, copy, now);
                return id;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores the eager/lazy fanout targets (the recovery guide's <c>rebalance_peers</c>): departed peers
    /// are dropped, the overlay is refilled, and the best peers by measured RTT become eager.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public Task RebalancePeersAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync(
            now =>
            {
                _viewDirty = true;
                DrainMembershipEffects(now);
                _broadcast.Rebalance(now);
                NodeLog.Rebalanced(_logger, Name, _broadcast.EagerPeers.Count, _broadcast.LazyPeers.Count);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// Empties the message cache (the recovery guide's <c>clear_cache</c>); de-duplication memory is kept, so
    /// nothing is delivered twice. Grafts for cleared messages are then refused and counted
    /// (<c>plumtree_dropped_total{reason="graft_unserved"}</c> here, <c>plumtree_graft_failed_total</c> at the asker).
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public Task ClearCacheAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync(
            _ =>
            {
                var before = _broadcast.CacheSize;
                _broadcast.ClearCache();
                NodeLog.CacheCleared(_logger, Name, before);
                return true;
            },
            cancellationToken);

    private void OnFrame(string from, in PlumtreeFrame frame, TimeSpan now)
    {
        if (_leaving)
        {
            _dropped.Increment("not_joined"); // left: not part of any tree until the next join
            return;
        }

        _broadcast.Receive(from, frame, now);
    }

    /// <summary>A frame from the engine: to the peer's memberlist address (from the member table) over its stream.</summary>
    private void SendFrame(string peer, in PlumtreeFrame frame) => SendFrame(new ReadOnlySpan<string>(in peer), frame);

    /// <summary>
    /// One frame from the engine to one or more peers (an eager push), each at its memberlist address: encoded
    /// once, on the first peer with a known address, and the encoded bytes shared by every peer's stream queue
    /// (<see cref="Transport.EncodedFrame"/>: this call holds the encoder's reference until it returns).
    /// </summary>
    private void SendFrame(ReadOnlySpan<string> peers, in PlumtreeFrame frame)
    {
        if (_streams is not { } streams)
        {
            return;
        }

        Transport.EncodedFrame encoded = default;
        var state = 0; // 0 = not encoded yet, 1 = encoded, 2 = invalid
        try
        {
            foreach (var peer in peers)
            {
                if (!_addresses.TryGetValue(peer, out var address))
                {
                    _dropped.Increment("unknown_peer");
                    continue;
                }

                if (state == 0)
                {
                    try
                    {
                        encoded = streams.Encode(frame);
                        state = 1;
                    }
                    catch (ArgumentException)
                    {
                        state = 2;
                    }
                }

                if (state == 2)
                {
                    _dropped.Increment("invalid_frame");
                    continue;
                }

                streams.Send(peer, address, encoded);
            }
        }
        finally
        {
            encoded.Dispose();
        }
    }

    private void OnDeliver(in Delivery delivery)
    {
        _metrics.RecordDelivery(delivery.Hop, delivery.Payload.Length);
        if (delivery.GraftLatency is { } latency)
        {
            _metrics.RecordGraftLatency(latency.TotalSeconds);
        }

        var message = new ReceivedMessage(delivery.Id, delivery.Payload, delivery.Hop, delivery.From, _time.GetUtcNow());
        PublishDelivery(message);
    }

    /// <summary>The broadcast engine's outputs.</summary>
    private sealed class BroadcastSink(PlumtreeNode owner) : IBroadcastOutput
    {
        public void Send(string peer, in PlumtreeFrame frame) => owner.SendFrame(peer, frame);

        public void Send(ReadOnlySpan<string> peers, in PlumtreeFrame frame) => owner.SendFrame(peers, frame);

        public void Deliver(in Delivery delivery) => owner.OnDeliver(delivery);
    }
}
