using Microsoft.Extensions.Hosting;

namespace Plumtree.Hosting;

/// <summary>
/// Runs the <see cref="KnownPeersRecorder"/> while the host runs. Registered after the node's hosted service, so it
/// starts after the node and stops before it (the host stops services in reverse order): the last record is taken
/// before the node leaves.
/// </summary>
internal sealed class KnownPeersRecorderService(KnownPeersRecorder recorder, PlumtreeStartupState state) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = recorder.RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (state.Started)
        {
            await recorder.RecordAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();
}
