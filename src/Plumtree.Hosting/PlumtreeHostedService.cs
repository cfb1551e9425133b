using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plumtree.Node;
using Plumtree.Storage;

namespace Plumtree.Hosting;

/// <summary>
/// Starts the node, joins the configured seeds (rounds with exponential backoff while none answers, each failure
/// logged) and leaves gracefully on stop. The host's "started" moment (and so systemd's READY=1) waits in
/// <see cref="StartedAsync"/> until the node has joined, is a lone seed, or <see cref="PlumtreeHostingOptions.JoinReadyTimeout"/>
/// passed; other hosted services (the HTTP admin) are already serving by then. When no seed answers (or none is
/// configured), a round also tries the known peers of the <see cref="IPeerStore"/>, most recently seen first.
/// </summary>
internal sealed class PlumtreeHostedService(
    IPlumtreeNodeHandle node,
    IOptions<PlumtreeHostingOptions> options,
    PlumtreeStartupState state,
    IPeerStore peerStore,
    PeerStoreMetrics storeMetrics,
    TimeProvider timeProvider,
    ILogger<PlumtreeHostedService> logger) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _joinLoop = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await node.StartAsync(cancellationToken).ConfigureAwait(false);
        state.MarkStarted();
        HostingLog.NodeStarted(logger, node.Name, node.AdvertisedEndPoint);

        var seeds = new List<SeedAddress>();
        foreach (var text in options.Value.Join)
        {
            // Validated at start (ValidateOnStart), so every entry parses.
            if (SeedAddress.TryParse(text, out var seed, out _))
            {
                seeds.Add(seed);
            }
        }

        if (seeds.Count == 0)
        {
            if (options.Value.KnownPeersJoinLimit > 0)
            {
                // A lone seed that knew a cluster before its restart tries it once, in the background.
                _joinLoop = JoinKnownPeersOnceAsync(_stopping.Token);
                return;
            }

            HostingLog.LoneSeed(logger, node.Name);
            state.MarkReady(ReadyReason.LoneSeed);
            return;
        }

        HostingLog.Joining(logger, seeds.Count, string.Join(", ", seeds));
        _joinLoop = JoinLoopAsync(seeds, _stopping.Token);
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (state.Ready.IsCompleted)
        {
            return;
        }

        var timeout = options.Value.JoinReadyTimeout;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timeout, timeProvider, wait.Token);
        var first = await Task.WhenAny(state.Ready, timer).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        if (first == state.Ready || cancellationToken.IsCancellationRequested)
        {
            // Joined, or the host is being stopped during start: stop follows and leaves if needed.
            return;
        }

        HostingLog.JoinReadyTimeout(logger, timeout);
        state.MarkReady(ReadyReason.JoinTimedOut);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _joinLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The join loop ends by cancellation.
        }

        if (!state.Started)
        {
            return;
        }

        bool joined;
        try
        {
            joined = node.IsJoined;
        }
        catch (Exception ex)
        {
            HostingLog.LeaveFailed(logger, ex);
            return;
        }

        if (!joined)
        {
            HostingLog.NotJoinedAtStop(logger, node.Name);
            return;
        }

        var timeout = options.Value.LeaveTimeout;
        HostingLog.Leaving(logger, timeout);
        try
        {
            await node.LeaveAsync(timeout, cancellationToken).ConfigureAwait(false);
            HostingLog.Left(logger);
        }
        catch (Exception ex)
        {
            HostingLog.LeaveFailed(logger, ex);
        }
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    /// <summary>Join rounds until one reaches a seed (or every seed turns out to be this node).</summary>
    private async Task JoinLoopAsync(IReadOnlyList<SeedAddress> seeds, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var delay = options.Value.JoinRetryInitialDelay;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var attempt = state.CountAttempt();
                string reason;
                var tried = new List<IPEndPoint>();
                try
                {
                    var (endPoints, unresolved) = await ResolveAsync(seeds, cancellationToken).ConfigureAwait(false);
                    tried.AddRange(endPoints);
                    if (endPoints.Count == 0 && unresolved.Count == 0)
                    {
                        HostingLog.OnlySelfSeeds(logger, node.Name);
                        if (await TryKnownPeersAsync([], attempt, cancellationToken).ConfigureAwait(false) is not null)
                        {
                            state.MarkReady(ReadyReason.LoneSeed);
                        }

                        return;
                    }

                    if (endPoints.Count > 0)
                    {
                        var contacted = await node.JoinAsync(endPoints, cancellationToken).ConfigureAwait(false);
                        HostingLog.Joined(logger, contacted, attempt);
                        state.MarkReady(ReadyReason.Joined);
                        return;
                    }

                    reason = "no seed address could be resolved: " + string.Join("; ", unresolved);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (PlumtreeJoinException ex)
                {
                    reason = ex.Errors.Count == 0
                        ? ex.Message
                        : ex.Message + " (" + string.Join("; ", ex.Errors.Select(e => e.Message)) + ")";
                }
                catch (Exception ex)
                {
                    reason = $"{ex.GetType().Name}: {ex.Message}";
                }

                if (await TryKnownPeersAsync(tried, attempt, cancellationToken).ConfigureAwait(false) is { } knownFailure)
                {
                    reason = knownFailure.Length == 0 ? reason : $"{reason}; {knownFailure}";
                }
                else
                {
                    return;
                }

                state.MarkJoinFailed(reason);
                HostingLog.JoinFailed(logger, attempt, reason, delay);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = NextDelay(delay, options.Value.JoinRetryMaxDelay);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            HostingLog.JoinLoopCrashed(logger, ex);
        }
    }

    /// <summary>No seed configured: one round over the known peers, then ready (joined, or a lone seed).</summary>
    private async Task JoinKnownPeersOnceAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var attempt = state.CountAttempt();
            var failure = await TryKnownPeersAsync([], attempt, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                return;
            }

            if (failure.Length == 0)
            {
                HostingLog.LoneSeed(logger, node.Name);
            }
            else
            {
                HostingLog.KnownPeersUnreachableLoneSeed(logger, node.Name);
            }

            state.MarkReady(ReadyReason.LoneSeed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            HostingLog.JoinLoopCrashed(logger, ex);
            state.MarkReady(ReadyReason.LoneSeed);
        }
    }

    /// <summary>
    /// Joins through up to <see cref="PlumtreeHostingOptions.KnownPeersJoinLimit"/> stored peers (this node and the
    /// addresses in <paramref name="alreadyTried"/> left out). Null when it joined (and marked ready); otherwise why
    /// not, empty when there was no known peer to try.
    /// </summary>
    private async Task<string?> TryKnownPeersAsync(IReadOnlyCollection<IPEndPoint> alreadyTried, int attempt, CancellationToken cancellationToken)
    {
        var limit = options.Value.KnownPeersJoinLimit;
        if (limit <= 0)
        {
            return "";
        }

        IReadOnlyList<KnownPeer> known;
        try
        {
            // Read a few more than the limit: some may be this node or seeds already tried.
            known = await peerStore.GetRecentAsync(limit + alreadyTried.Count + 1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storeMetrics.Error("read");
            HostingLog.KnownPeersReadFailed(logger, ex.Message);
            return $"known peers unreadable: {ex.Message}";
        }

        var self = node.AdvertisedEndPoint;
        var candidates = known
            .Where(p => !string.Equals(p.Name, node.Name, StringComparison.Ordinal) && !p.Address.Equals(self) && !alreadyTried.Contains(p.Address))
            .DistinctBy(p => p.Address)
            .Take(limit)
            .ToList();
        if (candidates.Count == 0)
        {
            return "";
        }

        HostingLog.TryingKnownPeers(logger, candidates.Count, string.Join(", ", candidates.Select(p => $"{p.Name} ({p.Address})")));
        try
        {
            var contacted = await node.JoinAsync([.. candidates.Select(p => p.Address)], cancellationToken).ConfigureAwait(false);
            HostingLog.JoinedThroughKnownPeers(logger, contacted, attempt);
            state.MarkReady(ReadyReason.Joined);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (PlumtreeJoinException ex)
        {
            return $"known peers: {ex.Message}" + (ex.Errors.Count == 0 ? "" : " (" + string.Join("; ", ex.Errors.Select(e => e.Message)) + ")");
        }
        catch (Exception ex)
        {
            return $"known peers: {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>Doubles the delay, capped.</summary>
    internal static TimeSpan NextDelay(TimeSpan current, TimeSpan max)
    {
        var doubled = current * 2;
        return doubled > max ? max : doubled;
    }

    /// <summary>Resolves every seed, leaving out this node's own address; names those that did not resolve.</summary>
    private async Task<(List<IPEndPoint> EndPoints, List<string> Unresolved)> ResolveAsync(IReadOnlyList<SeedAddress> seeds, CancellationToken cancellationToken)
    {
        var self = node.AdvertisedEndPoint;
        var endPoints = new List<IPEndPoint>();
        var unresolved = new List<string>();
        foreach (var seed in seeds)
        {
            try
            {
                var resolved = await seed.ResolveAsync(options.Value.DnsServerEndPoint, cancellationToken).ConfigureAwait(false);
                if (resolved.Count == 0)
                {
                    unresolved.Add($"{seed}: no address");
                }

                endPoints.AddRange(resolved.Where(e => !e.Equals(self) && !endPoints.Contains(e)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                unresolved.Add($"{seed}: {ex.Message}");
            }
        }

        return (endPoints, unresolved);
    }
}
