using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Plumtree.Agent.Tests.Support;

namespace Plumtree.Chaos.Tests.Infrastructure;

/// <summary>
/// Network namespaces through <c>ip(8)</c> (iproute2), and sockets made inside one, so this process reaches an agent's
/// admin API on the loopback of the agent's namespace (<c>127.0.0.1:8080</c>, the runbook's default) without routing.
/// </summary>
internal static class NetNs
{
    private const int CloneNewNet = 0x40000000;
    private const int SigKill = 9;

    /// <summary>The <c>ip</c> binary; fails the test (never skips it) when iproute2 is missing.</summary>
    public static string IpTool { get; } =
        Paths.Tool("ip") ?? new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip" }.FirstOrDefault(File.Exists) ?? string.Empty;

    /// <summary>Runs <c>ip args</c>; throws with its output when it fails.</summary>
    public static async Task<string> IpAsync(params string[] args)
    {
        if (IpTool.Length == 0)
        {
            throw new InvalidOperationException("the chaos suite needs ip(8) to make network namespaces: apt-get install iproute2 (.ci/run does)");
        }

        // Not tied to the test's cancellation token: cleanup runs after a test timed out too.
        var start = new ProcessStartInfo(IpTool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {IpTool}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException ex)
        {
            process.Kill();
            throw new TimeoutException($"ip {string.Join(' ', args)} did not finish within 30 s", ex);
        }

        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} exited {process.ExitCode.ToString(CultureInfo.InvariantCulture)}: {output.Trim()}");
        }

        return output;
    }

    /// <summary>The names of the network namespaces <c>ip netns list</c> shows.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync() =>
        (await IpAsync("netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2)[0])
            .ToList();

    /// <summary>The PIDs of the processes in namespace <paramref name="name"/> (<c>ip netns pids</c>).</summary>
    public static async Task<IReadOnlyList<int>> PidsAsync(string name) =>
        (await IpAsync("netns", "pids", name)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
            .ToList();

    /// <summary>Sends SIGKILL to <paramref name="pid"/>; false when there is no such process.</summary>
    public static bool Kill(int pid) => KillProcess(pid, SigKill) == 0;

    /// <summary>
    /// A TCP socket that lives in namespace <paramref name="name"/>: made on a thread of its own that first enters the
    /// namespace (setns is per thread), then ends. The socket stays in that namespace wherever it is used.
    /// </summary>
    public static Socket TcpSocketIn(string name)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into network namespace {name} failed: errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}");
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException)
            {
                error = ex;
            }
        })
        {
            IsBackground = true,
            Name = "netns " + name,
        };
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"no socket in network namespace {name}: {error?.Message}", error);
    }

    /// <summary>An HTTP client whose connections are made inside namespace <paramref name="name"/>.</summary>
    public static HttpClient HttpClientIn(string name) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = TcpSocketIn(name);
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillProcess(int pid, int signal);
}
