using Plumtree.Sync;

namespace Plumtree.Simulator.Core;

/// <summary>The <see cref="ISyncOutput"/> of one simulated node: sync bodies become queued frames, recovered messages become deliveries.</summary>
internal sealed class SyncOutput(Simulation simulation, int node) : ISyncOutput
{
    public void Send(string peer, ReadOnlyMemory<byte> body) => simulation.OnSyncSend(node, peer, body);

    public void Recovered(in SyncRecovery recovery) => simulation.OnSyncRecovered(node, recovery.Id, recovery.Payload);
}
