using Microsoft.Extensions.Diagnostics.HealthChecks;
using Plumtree.Node;
using HealthStatus = Plumtree.Node.HealthStatus;
using MsHealthStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;

namespace Plumtree.Hosting;

/// <summary>
/// Health check over <see cref="PlumtreeNode.GetHealth"/>: the node's status and message, with each of the node's
/// own checks in <see cref="Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Data"/> as a
/// <see cref="PlumtreeCheckDetail"/> under its name. Registered by <c>AddPlumtree</c> as <see cref="Name"/>.
/// </summary>
public sealed class PlumtreeHealthCheck : IHealthCheck
{
    /// <summary>The registration name.</summary>
    public const string Name = "plumtree";

    private readonly IPlumtreeNodeHandle _node;
    private readonly PlumtreeStartupState _state;

    internal PlumtreeHealthCheck(IPlumtreeNodeHandle node, PlumtreeStartupState state)
    {
        _node = node;
        _state = state;
    }

    /// <inheritdoc/>
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_state.Started)
        {
            return Task.FromResult(Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("node not started"));
        }

        NodeHealth health;
        try
        {
            health = _node.GetHealth();
        }
        catch (Exception ex)
        {
            return Task.FromResult(Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy($"node health unavailable: {ex.Message}", ex));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, check) in health.Checks)
        {
            data[name] = new PlumtreeCheckDetail(check.Status, check.Description, check.Data);
        }

        var message = health.Message;
        var status = Map(health.Status);

        // The node counts as a lone seed from its start; while the seeds it was given have not been reached (a round
        // in progress, or the last one failed), it is not the cluster member it is meant to be: at most Degraded.
        if (JoinProblem() is { } joinProblem)
        {
            data[JoinCheck] = new PlumtreeCheckDetail(HealthStatus.Degraded, joinProblem, new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["attempts"] = _state.JoinAttempts,
            });
            message = $"{message} ({joinProblem})";
            status = status == MsHealthStatus.Healthy ? MsHealthStatus.Degraded : status;
        }

        return Task.FromResult(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult(status, message, data: data));
    }

    /// <summary>The name of the check added while the configured seeds have not been reached.</summary>
    internal const string JoinCheck = "join";

    private string? JoinProblem()
    {
        if (_state.LastJoinError is { } error)
        {
            return $"not joined: last join round: {error}";
        }

        return _state.Ready.IsCompleted ? null : "joining: no join round has finished yet";
    }

    internal static MsHealthStatus Map(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => MsHealthStatus.Healthy,
        HealthStatus.Degraded => MsHealthStatus.Degraded,
        _ => MsHealthStatus.Unhealthy,
    };
}

/// <summary>One of the node's own checks, as carried in the health check's data.</summary>
/// <param name="Status">Its status.</param>
/// <param name="Description">What it found.</param>
/// <param name="Data">The figures it looked at.</param>
public sealed record PlumtreeCheckDetail(HealthStatus Status, string Description, IReadOnlyDictionary<string, object> Data);
