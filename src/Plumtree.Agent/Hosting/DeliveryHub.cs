using Microsoft.Extensions.Hosting;
using Plumtree.Agent.Handlers;
using Plumtree.Agent.Messages;
using Plumtree.Hosting;
using Plumtree.Node;

namespace Plumtree.Agent.Hosting;

/// <summary>
/// Subscribes to the node's deliveries before the node starts (it is registered ahead of the node's hosted service)
/// and fans each one out to the message log (HTTP) and the handler queue.
/// </summary>
internal sealed class DeliveryHub(IPlumtreeNodeHandle node, MessageLog log, HandlerRunner handler) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        node.MessageReceived += OnDelivered;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        node.MessageReceived -= OnDelivered;
        return Task.CompletedTask;
    }

    private void OnDelivered(ReceivedMessage message)
    {
        log.Add(message);
        handler.TryEnqueue(message);
    }
}
