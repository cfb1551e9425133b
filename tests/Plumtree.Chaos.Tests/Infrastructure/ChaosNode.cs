using Plumtree.Agent.Tests.Support;

namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>A machine of a <see cref="ChaosCluster"/>: its namespace and address, its zone, and the agent running on it now.</summary>
internal sealed class ChaosNode : IDisposable
{
    private LiveAgent? _agent;

    public ChaosNode(NodeNetwork network, string? zone)
    {
        Network = network;
        Zone = zone;
        Http = NetNs.HttpClientIn(network.Namespace);
    }

    public string Name => Network.Name;

    public NodeNetwork Network { get; }

    public string? Zone { get; }

    /// <summary>The address others join (<c>IP:7946</c>, the default port).</summary>
    public string Seed => $"{Network.Address}:{ChaosCluster.MembershipPort}";

    /// <summary>An HTTP client that connects from inside the node's namespace (its admin API is on its own loopback).</summary>
    public HttpClient Http { get; }

    /// <summary>The agent started last on this node.</summary>
    public LiveAgent Agent => _agent ?? throw new InvalidOperationException($"no agent was started on {Name}");

    /// <summary>True while an agent was started and has not exited.</summary>
    public bool IsRunning => _agent is not null && !_agent.Process.HasExited;

    public void Dispose() => Http.Dispose();

    public override string ToString() => $"{Name} ({Network.Address}{(Zone is null ? string.Empty : ", zone " + Zone)})";

    internal void Started(LiveAgent agent) => _agent = agent;
}
