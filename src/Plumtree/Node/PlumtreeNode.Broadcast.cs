using Plumtree.Broadcast;

namespace Plumtree.Node;

// Broadcast wiring: inbound frames into the engine, its deliveries to metrics and subscribers (its frames go out
// through BroadcastSink), the API commands (broadcast, rebalance, clear cache).
public sealed partial class PlumtreeNode
{
    /// <summary>Broadcasts <paramref name="payload"/> to every member; returns its id. Delivered locally too.</summary>
    /// <remarks>The payload is copied; the caller may reuse its buffer at once.</remarks>
    /// <exception cref="ArgumentException">The payload is larger than the configured maximum message size.</exception>
    /// <exception cref="MessageRejectedException">The <see cref="PlumtreeNodeOptions.MessageValidator"/> did not accept it (nothing was sent).</exception>
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
                if (ValidateMessage(id, copy, null) is var verdict and not MessageValidation.Accept)
                {
                    throw new MessageRejectedException(id, verdict);
                }

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
                _effects.ViewChanged();
                DrainMembershipEffects(now);
                _broadcast.Rebalance(now);
                NodeLog.Rebalanced(_logger, Name, _broadcast.EagerPeers.Count, _broadcast.LazyPeers.Count);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// Empties the message cache (the recovery guide's <c>clear_cache</c>); de-duplication memory is kept, so
    /// nothing is delivered twice. Grafts for cleared messages are then served from the anti-entropy store while it
    /// holds them (the sync horizon, checksummed on disk), else refused and counted
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

        if (frame.Type == FrameType.Sync)
        {
            ReceiveSync(from, frame.Payload);
            return;
        }

        if (frame.Type == FrameType.Keys)
        {
            ReceiveKeys(from, frame.Payload);
            return;
        }

        _broadcast.Receive(from, frame, now);
    }

    private void OnDeliver(in Delivery delivery)
    {
        if (!AcceptDelivery(delivery.Id, delivery.Payload))
        {
            return; // delivered before (by sync, or before a restart): exactly once
        }

        _metrics.RecordDelivery(delivery.Hop, delivery.Payload.Length);
        if (delivery.GraftLatency is { } latency)
        {
            _metrics.RecordGraftLatency(latency.TotalSeconds);
        }

        var message = new ReceivedMessage(delivery.Id, delivery.Payload, delivery.Hop, delivery.From, _time.GetUtcNow());
        PublishDelivery(message);
    }
}
