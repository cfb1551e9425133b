using Microsoft.Extensions.Hosting;

namespace Plumtree.Hosting;

/// <summary>
/// Runs the <see cref="KnownPeersRecorder"/> while the host runs. Registered after the node's hosted service, so it
/// starts after the node and stops before it (the host stops services in reverse order): the last record is taken
/// before the node leaves.
/// </summary>
internal sealed class KnownPeersRecorderService(KnownPeersRecorder recorder, PlumtreeStartupState state) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => recorder.RunAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (state.Started)
        {
            await recorder.RecordAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
