using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// Three real agents on loopback: <c>live-a</c> (the seed), <c>live-b</c> (with a handler writing each delivery to
/// a file) and <c>live-c</c>, both joining through live-a. Needs the real node.
/// </summary>
public sealed class LiveClusterFixture : IAsyncLifetime
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();

    internal LiveAgent A { get; private set; } = null!;

    internal LiveAgent B { get; private set; } = null!;

    internal LiveAgent C { get; private set; } = null!;

    internal TempDir Dir => _dir;

    public string HandlerOutput => _dir.Combine("handled");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(HandlerOutput);
        A = LiveAgent.Start("live-a", _dir, []);
        B = LiveAgent.Start("live-b", _dir, [A], handler: $"cat > '{HandlerOutput}'/\"$PLUMTREE_MESSAGE_ID\".payload; printf '%s %s %s' \"$PLUMTREE_MESSAGE_ID\" \"$PLUMTREE_MESSAGE_HOPS\" \"$PLUMTREE_NODE\" > '{HandlerOutput}'/\"$PLUMTREE_MESSAGE_ID\".env");
        C = LiveAgent.Start("live-c", _dir, [A]);
        string[] all = ["live-a", "live-b", "live-c"];
        try
        {
            foreach (var agent in new[] { A, B, C })
            {
                await agent.WaitForMembersAsync(all, Bound);
            }
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"the live cluster did not form:\n{A}\n{B}\n{C}", ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var agent in new[] { C, B, A })
        {
            agent?.Dispose();
        }

        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
