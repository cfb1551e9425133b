using System.Globalization;

namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>
/// A private network for one scenario: a bridge namespace (<c>PREFIX-br</c>) with two bridges, <c>br0</c> (the
/// network) and <c>br1</c> (the far side of a partition), and one namespace per node (<c>PREFIX-NAME</c>) whose
/// <c>eth0</c> is a veth pair into the bridge namespace, addressed in <c>10.77.N.0/24</c>. A node is cut off by taking
/// its bridge port down; a partition moves ports to <c>br1</c>. Nothing is connected to the host's network.
/// Namespace names start with <see cref="Prefix"/> and this process's id, so a later run can remove what a crashed
/// run left (<see cref="SweepStaleAsync"/>).
/// </summary>
internal sealed class ChaosNetwork : IAsyncDisposable
{
    /// <summary>Every namespace of this suite starts with this, then the PID of the test process that made it.</summary>
    public const string Prefix = "ptchaos-";

    private static readonly SemaphoreSlim SweepGate = new(1, 1);
    private static bool _swept;
    private static int _sequence;
    private readonly string _id;
    private readonly int _subnet;
    private readonly List<NodeNetwork> _nodes = [];
    private readonly List<string> _namespaces = [];

    private ChaosNetwork(int sequence)
    {
        _id = $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{sequence.ToString(CultureInfo.InvariantCulture)}";
        _subnet = 1 + ((sequence - 1) % 250);
    }

    /// <summary>The namespace holding the bridges.</summary>
    public string BridgeNamespace => $"{_id}-br";

    /// <summary>The nodes added so far.</summary>
    public IReadOnlyList<NodeNetwork> Nodes => _nodes;

    /// <summary>Removes stale namespaces (once per process), then makes the bridge namespace. Fails with the reason when namespaces cannot be made.</summary>
    public static async Task<ChaosNetwork> CreateAsync()
    {
        await SweepStaleAsync();
        var network = new ChaosNetwork(Interlocked.Increment(ref _sequence));
        try
        {
            await network.AddNamespaceAsync(network.BridgeNamespace);
            foreach (var bridge in new[] { "br0", "br1" })
            {
                await NetNs.IpAsync("-n", network.BridgeNamespace, "link", "add", bridge, "type", "bridge");
                await NetNs.IpAsync("-n", network.BridgeNamespace, "link", "set", bridge, "up");
            }
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        return network;
    }

    /// <summary>
    /// Deletes the namespaces of this suite left by test processes that are gone (a crashed or killed run), after
    /// SIGKILLing the processes still in them (agents that run started). Runs once per process.
    /// </summary>
    public static async Task SweepStaleAsync()
    {
        await SweepGate.WaitAsync();
        try
        {
            if (_swept)
            {
                return;
            }

            foreach (var name in await NetNs.ListAsync())
            {
                if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var owner = name[Prefix.Length..].Split('-')[0];
                if (!int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{owner}"))
                {
                    continue;
                }

                foreach (var stale in await NetNs.PidsAsync(name))
                {
                    NetNs.Kill(stale);
                }

                await NetNs.IpAsync("netns", "del", name);
            }

            _swept = true;
        }
        finally
        {
            SweepGate.Release();
        }
    }

    /// <summary>Adds a node: its namespace with loopback up, and <c>eth0</c> at the next address, plugged into <c>br0</c>.</summary>
    public async Task<NodeNetwork> AddNodeAsync(string name)
    {
        var index = _nodes.Count + 1;
        var node = new NodeNetwork(name, $"{_id}-{name}", $"10.77.{_subnet.ToString(CultureInfo.InvariantCulture)}.{index.ToString(CultureInfo.InvariantCulture)}", $"p{index.ToString(CultureInfo.InvariantCulture)}");
        await AddNamespaceAsync(node.Namespace);
        await NetNs.IpAsync("-n", node.Namespace, "link", "add", "eth0", "type", "veth", "peer", "name", node.BridgePort, "netns", BridgeNamespace);
        await NetNs.IpAsync("-n", node.Namespace, "addr", "add", node.Address + "/24", "dev", "eth0");
        await NetNs.IpAsync("-n", node.Namespace, "link", "set", "eth0", "up");
        await NetNs.IpAsync("-n", BridgeNamespace, "link", "set", node.BridgePort, "master", "br0");
        await NetNs.IpAsync("-n", BridgeNamespace, "link", "set", node.BridgePort, "up");
        _nodes.Add(node);
        return node;
    }

    /// <summary>Cuts <paramref name="node"/> off: its bridge port goes down (a pulled cable; its own link loses carrier).</summary>
    public Task CutAsync(NodeNetwork node) => NetNs.IpAsync("-n", BridgeNamespace, "link", "set", node.BridgePort, "down");

    /// <summary>Plugs <paramref name="node"/> back in.</summary>
    public Task RestoreAsync(NodeNetwork node) => NetNs.IpAsync("-n", BridgeNamespace, "link", "set", node.BridgePort, "up");

    /// <summary>Moves the ports of <paramref name="side"/> to <c>br1</c>: they reach each other, and nobody on <c>br0</c>.</summary>
    public async Task PartitionAsync(IEnumerable<NodeNetwork> side)
    {
        foreach (var node in side)
        {
            await NetNs.IpAsync("-n", BridgeNamespace, "link", "set", node.BridgePort, "master", "br1");
        }
    }

    /// <summary>Moves every port back to <c>br0</c>.</summary>
    public async Task HealAsync()
    {
        foreach (var node in _nodes)
        {
            await NetNs.IpAsync("-n", BridgeNamespace, "link", "set", node.BridgePort, "master", "br0");
        }
    }

    /// <summary>
    /// Deletes every namespace this network made (their veth pairs go with them). The processes in them must have been
    /// stopped first; any still there (started by this test) are SIGKILLed so nothing outlives the namespace.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var errors = new List<string>();
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            try
            {
                foreach (var pid in await NetNs.PidsAsync(name))
                {
                    NetNs.Kill(pid);
                }

                await NetNs.IpAsync("netns", "del", name);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
            {
                errors.Add(ex.Message);
            }
        }

        _namespaces.Clear();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"cleanup of network namespaces {_id}-*: {string.Join("; ", errors)}");
        }
    }

    private async Task AddNamespaceAsync(string name)
    {
        try
        {
            await NetNs.IpAsync("netns", "add", name);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"the chaos suite cannot make network namespace {name} (it needs root, CAP_SYS_ADMIN and iproute2; CI runs as root): {ex.Message}", ex);
        }

        _namespaces.Add(name);
        await NetNs.IpAsync("-n", name, "link", "set", "lo", "up");
    }
}
