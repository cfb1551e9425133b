using Plumtree.Broadcast;

namespace Plumtree.Simulator.Core;

/// <summary>The <see cref="IBroadcastOutput"/> of one simulated node: sends become queued frame arrivals, deliveries become metrics.</summary>
internal sealed class NodeOutput(Simulation simulation, int node) : IBroadcastOutput
{
    public void Send(string peer, in PlumtreeFrame frame) => simulation.OnSend(node, peer, in frame);

    public void Deliver(in Delivery delivery) => simulation.OnDeliver(node, delivery.Id, delivery.Hop, delivery.Payload);
}
