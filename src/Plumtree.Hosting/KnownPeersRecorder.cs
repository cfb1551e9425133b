using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plumtree.Membership;
using Plumtree.Storage;

namespace Plumtree.Hosting;

/// <summary>
/// Keeps the <see cref="IPeerStore"/> up to date: every <see cref="PlumtreeHostingOptions.KnownPeersRecordInterval"/>
/// the alive members (this node left out) are recorded with the current time, and once more on stop. Reads the
/// node's published member list only; a store failure is logged and counted, never thrown.
/// </summary>
internal sealed class KnownPeersRecorder(
    IPlumtreeNodeHandle node,
    IPeerStore store,
    IOptions<PlumtreeHostingOptions> options,
    PeerStoreMetrics metrics,
    TimeProvider timeProvider,
    ILogger<KnownPeersRecorder> logger)
{
    private bool _failing;

    /// <summary>Records until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.Value.KnownPeersRecordInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await RecordAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Records the alive members now; returns how many were recorded (0 on failure).</summary>
    public async Task<int> RecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var self = node.Name;
            var now = timeProvider.GetUtcNow();
            var alive = node.Members
                .Where(m => m.State == MemberState.Alive && !string.Equals(m.Name, self, StringComparison.Ordinal))
                .Select(m => new KnownPeer(m.Name, m.Address, now))
                .ToList();
            if (alive.Count == 0)
            {
                return 0;
            }

            await store.RecordAsync(alive, cancellationToken).ConfigureAwait(false);
            if (_failing)
            {
                _failing = false;
                HostingLog.KnownPeersRecordRecovered(logger);
            }

            return alive.Count;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            metrics.Error("write");
            if (!_failing)
            {
                // Logged once per run of failures, not every interval.
                _failing = true;
                HostingLog.KnownPeersRecordFailed(logger, ex);
            }

            return 0;
        }
    }
}
