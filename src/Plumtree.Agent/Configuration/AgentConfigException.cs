namespace Plumtree.Agent.Configuration;

/// <summary>The agent's configuration is invalid: each error names the key (and the flag or variable that sets it).</summary>
internal sealed class AgentConfigException : Exception
{
    public AgentConfigException(IReadOnlyList<string> errors)
        : base("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    public AgentConfigException(string error)
        : this([error])
    {
    }

    public IReadOnlyList<string> Errors { get; }
}
