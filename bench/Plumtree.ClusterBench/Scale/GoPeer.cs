using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Plumtree.ClusterBench.Scale;

/// <summary>
/// One Go memberlist 0.2.2 node (<c>mlnode</c>, <c>DefaultLocalConfig</c>) on 127.0.0.1, its own process. It carries
/// no Plumtree (no <c>pt</c> tag), so our nodes see it as a member and never as a broadcast peer. Its stdout gives
/// readiness, its member list on request and its event delegate's calls with their wall-clock time.
/// </summary>
internal sealed class GoPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _request = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _deadAtMs = new(StringComparer.Ordinal);
    private readonly Task _reader;
    private List<(string Name, string State)> _collecting = [];
    private TaskCompletionSource<IReadOnlyList<(string Name, string State)>>? _pending;

    private GoPeer(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        _process = process;
        _reader = Task.Run(ReadAsync);
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>When this peer's memberlist declared <paramref name="node"/> dead or left (NotifyLeave), in Unix ms; null if not (yet).</summary>
    public long? DeadAtMs(string node) => _deadAtMs.TryGetValue(node, out var at) ? at : null;

    /// <summary>Starts the peer, joining <paramref name="join"/>, and waits until it has created its memberlist.</summary>
    public static async Task<GoPeer> StartAsync(string binary, string name, IPEndPoint join, CancellationToken cancellationToken)
    {
        var port = Plumtree.Interop.Tests.Infrastructure.Ports.FreeTcpAndUdp();
        var info = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        foreach (var arg in new[] { "-name", name, "-port", port.ToString(CultureInfo.InvariantCulture), "-join", join.ToString() })
        {
            info.ArgumentList.Add(arg);
        }

        // memberlist's [DEBUG] log lines would be read (and paid for) by nobody: off.
        info.Environment["MLNODE_QUIET"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{binary} did not start");
        var peer = new GoPeer(name, port, process);
        try
        {
            await peer._ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (await peer._joined.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false) is { } error)
            {
                throw new IOException($"{name} could not join through {join}: {error}");
            }
        }
        catch
        {
            await peer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return peer;
    }

    /// <summary>Every node in the peer's node map with memberlist's real state (alive, suspect, dead, left).</summary>
    public async Task<IReadOnlyList<(string Name, string State)>> MembersAsync(CancellationToken cancellationToken)
    {
        await _request.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var pending = new TaskCompletionSource<IReadOnlyList<(string Name, string State)>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _collecting = [];
                _pending = pending;
            }

            await _process.StandardInput.WriteLineAsync("members".AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            return await pending.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _request.Release();
        }
    }

    /// <summary>SIGKILL: the process dies without a word to the cluster.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await _reader.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Reported by the caller's leftover check, if any.
        }

        _process.Dispose();
        _request.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                OnLine(line);
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        _ready.TrySetException(new InvalidOperationException($"The Go memberlist peer {Name} exited."));
        _joined.TrySetException(new InvalidOperationException($"The Go memberlist peer {Name} exited."));
        lock (_gate)
        {
            _pending?.TrySetException(new InvalidOperationException($"The Go memberlist peer {Name} exited."));
        }
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

        if (root.TryGetProperty("ready", out _))
        {
            _ready.TrySetResult();
            return;
        }

        if (root.TryGetProperty("joined", out _))
        {
            _joined.TrySetResult(root.TryGetProperty("error", out var error) ? error.GetString() ?? "error" : null);
            return;
        }

        if (root.TryGetProperty("event", out var kind))
        {
            var name = root.GetProperty("name").GetString() ?? "";
            switch (kind.GetString())
            {
                case "leave" when root.TryGetProperty("t_ms", out var at):
                    _deadAtMs.TryAdd(name, at.GetInt64());
                    break;
                case "join":
                    _deadAtMs.TryRemove(name, out _);
                    break;
                case "member":
                    lock (_gate)
                    {
                        _collecting.Add((name, root.GetProperty("state").GetString() ?? ""));
                    }

                    break;
            }

            return;
        }

        if (root.TryGetProperty("end", out _))
        {
            lock (_gate)
            {
                _pending?.TrySetResult(_collecting);
                _pending = null;
            }
        }
    }
}
