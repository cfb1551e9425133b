namespace Plumtree.Agent.Configuration;

/// <summary>The <c>plumtree agent</c> flags as given (null when not given).</summary>
internal sealed record AgentFlags
{
    public string? NodeName { get; init; }

    public string? Bind { get; init; }

    public string? Advertise { get; init; }

    public string? Http { get; init; }

    public IReadOnlyList<string> Join { get; init; } = [];

    public string? Profile { get; init; }

    public string? Compat { get; init; }

    public string? Encrypt { get; init; }

    public string? DataDir { get; init; }

    public string? Zone { get; init; }

    public string? Handler { get; init; }

    public string? ConfigFile { get; init; }

    /// <summary><c>--http-insecure</c>: serve the admin API on a non-loopback address without a token.</summary>
    public bool HttpInsecure { get; init; }

    /// <summary><c>--no-ui</c>: do not serve the dashboard at <c>/ui</c>.</summary>
    public bool NoUi { get; init; }
}
