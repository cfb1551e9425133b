using System.Diagnostics;
using System.Text;

namespace Plumtree.Agent.Tests.Support;

/// <summary>External tools the deploy tests run (promtool, prometheus, systemd-analyze): installed by .ci/run.</summary>
internal static class Tools
{
    /// <summary>The tool's path; fails the test (never skips it) when the Debian package is not installed.</summary>
    public static string Require(string tool, string debianPackage) =>
        Paths.Tool(tool) ?? throw new InvalidOperationException($"'{tool}' is not installed: apt-get install {debianPackage} (.ci/run does)");

    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException ex)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time", ex);
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
