namespace Plumtree.Agent;

/// <summary>Process exit codes scripts can rely on (documented in docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Success (and a clean stop of the agent after SIGTERM/SIGINT).</summary>
    public const int Ok = 0;

    /// <summary>The agent answered with a failure, or <c>health</c> found it Unhealthy; the agent itself failed to start.</summary>
    public const int Failure = 1;

    /// <summary>Bad usage or configuration: unknown flag, bad value (named), missing explicit config file.</summary>
    public const int Usage = 2;

    /// <summary>The agent could not be reached (connection refused, timeout, DNS).</summary>
    public const int Unreachable = 3;
}
