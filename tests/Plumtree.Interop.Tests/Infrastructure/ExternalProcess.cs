using System.Diagnostics;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>
/// A child process (serf agent, Go memberlist peer) whose stdout and stderr go to the test's
/// <see cref="InteropLog"/>. Stopped by PID: SIGTERM, then SIGKILL after a bound.
/// </summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly InteropLog _log;

    private ExternalProcess(string name, Process process, InteropLog log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Called for every stdout line (after it is logged).</summary>
    public Action<string>? StdoutLine { get; set; }

    /// <summary>Called when the process exits.</summary>
    public Action? Exited { get; set; }

    public static ExternalProcess Start(string name, string fileName, IEnumerable<string> arguments, InteropLog log, bool redirectStdin = false, IDictionary<string, string>? environment = null)
    {
        if (!File.Exists(fileName))
        {
            Assert.Fail($"{fileName} is missing: the interop tests need serf, golang-go and golang-github-hashicorp-memberlist-dev (.ci/run installs them).");
        }

        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new ExternalProcess(name, process, log);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                log.Add(name, line);
                wrapper.StdoutLine?.Invoke(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                log.Add(name, "! " + line);
            }
        };
        process.Exited += (_, _) =>
        {
            log.Add(name, "== process exited");
            wrapper.Exited?.Invoke();
        };
        log.Add(name, $"== starting {fileName} {string.Join(' ', info.ArgumentList)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Writes one line to the process's stdin.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line.AsMemory(), Poll.Ct).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(Poll.Ct).ConfigureAwait(false);
    }

    /// <summary>SIGKILL now (a crash: no leave), and waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _log.Add(Name, $"== SIGKILL {Pid}");
            Posix.Signal(Pid, Posix.SigKill);
        }

        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TermGrace, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within a bound.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _log.Add(Name, $"== SIGTERM {Pid}");
        Posix.Signal(Pid, Posix.SigTerm);
        try
        {
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TermGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
