using System.Net;

namespace Plumtree.Agent.Configuration;

/// <summary>The agent's own settings (besides the node's), read from the <c>Plumtree</c> section.</summary>
internal sealed class AgentSettings
{
    public const string DefaultHttp = "127.0.0.1:8080";
    public const string DefaultDataDir = "/var/lib/plumtree/data";

    /// <summary>HTTP admin listen address (<c>Plumtree:Http</c>, flag <c>--http</c>).</summary>
    public IPEndPoint Http { get; init; } = new(IPAddress.Loopback, 8080);

    /// <summary>Data directory (<c>Plumtree:DataDir</c>, flag <c>--data-dir</c>).</summary>
    public string DataDir { get; init; } = DefaultDataDir;

    /// <summary>True when the data directory was configured rather than defaulted.</summary>
    public bool DataDirExplicit { get; init; }

    /// <summary>Command run for each delivery (<c>Plumtree:Handler</c>, flag <c>--handler</c>); null: none.</summary>
    public string? Handler { get; init; }

    /// <summary>Longest a handler run may take before it is killed (<c>Plumtree:HandlerTimeout</c>). Default 30 s.</summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries waiting for the handler before new ones are dropped (<c>Plumtree:HandlerQueueCapacity</c>). Default 1024.</summary>
    public int HandlerQueueCapacity { get; init; } = 1024;

    /// <summary>Recent deliveries kept for <c>GET /v1/messages</c> (<c>Plumtree:MessageBufferCapacity</c>). Default 1000.</summary>
    public int MessageBufferCapacity { get; init; } = 1000;

    /// <summary>Deliveries buffered per live stream reader before its oldest are dropped (<c>Plumtree:StreamBufferCapacity</c>). Default 1000.</summary>
    public int StreamBufferCapacity { get; init; } = 1000;
}
