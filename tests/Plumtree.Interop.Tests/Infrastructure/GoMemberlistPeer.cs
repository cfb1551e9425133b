using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>One node in the Go peer's node map, with memberlist's real state for it.</summary>
internal sealed record GoMember(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("addr")] string Addr,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("meta")] byte[]? Meta,
    [property: JsonPropertyName("vsn")] int[] Vsn,
    [property: JsonPropertyName("incarnation")] uint Incarnation);

/// <summary>
/// A real HashiCorp memberlist 0.2.2 node (our Go program in <c>go/</c>, <c>DefaultLocalConfig</c>) on
/// 127.0.0.1. Asked for its member list over stdin; answers as JSON lines.
/// </summary>
internal sealed class GoMemberlistPeer : IAsyncDisposable
{
    private readonly ExternalProcess _process;
    private readonly SemaphoreSlim _request = new(1, 1);
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<GoMember> _collecting = [];
    private TaskCompletionSource<IReadOnlyList<GoMember>>? _pending;
    private TaskCompletionSource<string?>? _leave;

    private GoMemberlistPeer(string name, int port, ExternalProcess process)
    {
        Name = name;
        Port = port;
        _process = process;
        _process.StdoutLine = OnLine;
        _process.Exited = () => _ready.TrySetException(new InvalidOperationException($"The Go memberlist peer {name} exited during start-up (see its log)."));
    }

    public string Name { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Builds (once) and starts the peer, joining <paramref name="join"/>; waits until it is up.</summary>
    public static async Task<GoMemberlistPeer> StartAsync(InteropLog log, string name, IEnumerable<IPEndPoint>? join = null)
    {
        var binary = await GoPeerBuild.GetAsync().ConfigureAwait(false);
        var port = Ports.FreeTcpAndUdp();
        var arguments = new List<string> { "-name", name, "-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (join?.ToList() is { Count: > 0 } seeds)
        {
            arguments.Add("-join");
            arguments.Add(string.Join(',', seeds));
        }

        var peer = new GoMemberlistPeer(name, port, ExternalProcess.Start(name, binary, arguments, log, redirectStdin: true));
        try
        {
            await peer._ready.Task.WaitAsync(Poll.Deadline, Poll.Ct).ConfigureAwait(false);
        }
        catch
        {
            await peer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return peer;
    }

    /// <summary>Every node in the peer's node map (alive, suspect, dead, left), with its state.</summary>
    public async Task<IReadOnlyList<GoMember>> MembersAsync()
    {
        await _request.WaitAsync(Poll.Ct).ConfigureAwait(false);
        try
        {
            var pending = new TaskCompletionSource<IReadOnlyList<GoMember>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _collecting = [];
                _pending = pending;
            }

            await _process.WriteLineAsync("members").ConfigureAwait(false);
            return await pending.Task.WaitAsync(TimeSpan.FromSeconds(10), Poll.Ct).ConfigureAwait(false);
        }
        finally
        {
            _request.Release();
        }
    }

    /// <summary>memberlist's <c>Leave</c> (1 s timeout).</summary>
    public async Task LeaveAsync()
    {
        var leave = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _leave = leave;
        }

        await _process.WriteLineAsync("leave").ConfigureAwait(false);
        if (await leave.Task.WaitAsync(TimeSpan.FromSeconds(10), Poll.Ct).ConfigureAwait(false) is { } error)
        {
            throw new InvalidOperationException($"Go memberlist leave failed: {error}");
        }
    }

    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _request.Dispose();
    }

    private void OnLine(string line)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException)
        {
            return;
        }

        lock (_gate)
        {
            if (root.TryGetProperty("ready", out _))
            {
                _ready.TrySetResult();
            }
            else if (root.TryGetProperty("event", out var kind) && kind.GetString() == "member")
            {
                _collecting.Add(root.Deserialize<GoMember>()!);
            }
            else if (root.TryGetProperty("end", out _))
            {
                _pending?.TrySetResult(_collecting);
                _pending = null;
            }
            else if (root.TryGetProperty("left", out _))
            {
                _leave?.TrySetResult(null);
            }
            else if (root.TryGetProperty("error", out var error) && error.GetString() is { } text && text.StartsWith("leave:", StringComparison.Ordinal))
            {
                _leave?.TrySetResult(text);
            }
        }
    }
}
