using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Plumtree.Agent.Tests.Support;

/// <summary>
/// A real <c>dotnet plumtree.dll ...</c> process: output captured, stopped by its PID only (SIGTERM for a graceful
/// stop; SIGKILL on dispose if still running).
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet plumtree.dll args</c> (or <paramref name="shellScript"/> around it) with no inherited PLUMTREE_* variables, plus <paramref name="environment"/>.</summary>
    public static AgentProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? stdin = null, string? shellScript = null)
    {
        ProcessStartInfo start;
        if (shellScript is null)
        {
            start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(Paths.PlumtreeDll);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }
        }
        else
        {
            // A wrapper script: $0 is plumtree.dll, "$@" the arguments.
            start = new ProcessStartInfo("/bin/sh");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(shellScript);
            start.ArgumentList.Add(Paths.PlumtreeDll);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PLUMTREE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => agent.Append(agent._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(agent._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return agent;
    }

    /// <summary>Runs to completion (bounded) and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? stdin = null, TimeSpan? timeout = null)
    {
        using var process = Start(args, environment, stdin);
        var code = await process.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return (code, process.Stdout, process.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException ex)
        {
            throw new TimeoutException($"process {Pid} did not exit within {timeout.TotalSeconds} s.\nstdout:\n{Stdout}\nstderr:\n{Stderr}", ex);
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGKILL to this process (by PID) and waits (bounded) until it is gone: a crash, no leave.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        if (Kill(_process.Id, SigKill) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGKILL) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        await WaitForExitAsync(timeout);
    }

    /// <summary>Sends SIGTERM to this process (by PID).</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends SIGSTOP to this process (by PID): frozen, its sockets open, as a node cut off by a partition.</summary>
    public void Suspend() => Signal(SigStop, "SIGSTOP");

    /// <summary>Sends SIGCONT to this process (by PID): a suspended process runs again.</summary>
    public void Resume() => Signal(SigCont, "SIGCONT");

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    public override string ToString() => $"pid {Pid}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    private void Signal(int signal, string name)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            target.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
