using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Plumtree.Hosting;

namespace Plumtree.Agent.Http;

/// <summary>
/// The periodic <c>snapshot</c> events of <c>GET /v1/events</c>: this node's peers and members, health and sync status,
/// built from the same code as <c>/debug/peers</c>, <c>/health</c> and <c>/debug/sync</c>. One at once, then one per interval.
/// </summary>
internal sealed class DashboardSnapshots(IServiceProvider services, TimeSpan interval)
{
    public const int DefaultIntervalSeconds = 2;
    public const int MinIntervalSeconds = 1;
    public const int MaxIntervalSeconds = 60;

    public TimeSpan Interval => interval;

    public async IAsyncEnumerable<SseItem<string>> EventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            var snapshot = await BuildAsync(time, cancellationToken).ConfigureAwait(false);
            yield return new SseItem<string>(JsonSerializer.Serialize(snapshot, AdminJsonContext.Relaxed.SnapshotDto), "snapshot");
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private async Task<SnapshotDto> BuildAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var node = services.GetRequiredService<IPlumtreeNodeHandle>();
        var health = await AdminEndpoints.BuildHealthAsync(services, cancellationToken).ConfigureAwait(false);
        PeersResponse? peers = null;
        SyncResponse? sync = null;
        string? error = null;
        try
        {
            peers = AdminEndpoints.BuildPeers(node);
            sync = AdminEndpoints.BuildSync(node);
        }
        catch (InvalidOperationException ex)
        {
            // Not started yet, or stopping: the page shows why instead of stale data.
            error = ex.Message;
        }

        return new SnapshotDto(node.Name, time.GetUtcNow(), peers, health, sync, error);
    }
}
