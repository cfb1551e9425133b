using System.Diagnostics;
using System.Security.Cryptography;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>
/// Builds the Go memberlist peer (<c>go/main.go</c>, our own code) once per test run with <c>go build</c> in
/// GOPATH mode against Debian's memberlist 0.2.2 source, into a temp directory keyed by the source's content
/// hash, so later runs reuse the binary.
/// </summary>
internal static class GoPeerBuild
{
    public const string GoExecutable = "/usr/bin/go";
    public const string DebianGoPath = "/usr/share/gocode";
    public const string MemberlistSource = DebianGoPath + "/src/github.com/hashicorp/memberlist";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly Lock Gate = new();
    private static Task<string>? _build;

    /// <summary>Path of the built peer binary (built on first use; a failed build is retried by the next caller).</summary>
    public static Task<string> GetAsync()
    {
        lock (Gate)
        {
            if (_build is null || _build.IsFaulted || _build.IsCanceled)
            {
                _build = BuildAsync();
            }

            return _build;
        }
    }

    private static async Task<string> BuildAsync()
    {
        if (!File.Exists(GoExecutable) || !Directory.Exists(MemberlistSource))
        {
            throw new InvalidOperationException($"The Go peer needs {GoExecutable} and {MemberlistSource} (apt-get install golang-go golang-github-hashicorp-memberlist-dev; .ci/run installs them).");
        }

        var source = Path.Combine(AppContext.BaseDirectory, "go");
        var files = Directory.GetFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(source, file)));
            sha.AppendData(await File.ReadAllBytesAsync(file).ConfigureAwait(false));
        }

        var hash = Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
        var root = Path.Combine(Path.GetTempPath(), "plumtree-interop-go");
        var binary = Path.Combine(root, hash, "mlnode");
        if (File.Exists(binary))
        {
            return binary;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        var partial = binary + "." + Environment.ProcessId + ".tmp";
        var info = new ProcessStartInfo(GoExecutable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = source,
        };
        info.ArgumentList.Add("build");
        info.ArgumentList.Add("-o");
        info.ArgumentList.Add(partial);
        info.ArgumentList.Add(".");
        info.Environment["GO111MODULE"] = "off";
        info.Environment["GOPATH"] = Path.Combine(root, "gopath") + ":" + DebianGoPath;
        info.Environment["GOCACHE"] = Path.Combine(root, "gocache");
        info.Environment["GOFLAGS"] = "";
        info.Environment["HOME"] = root;

        using var process = Process.Start(info) ?? throw new InvalidOperationException("go build did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(BuildTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            Posix.Signal(process.Id, Posix.SigKill);
            throw new InvalidOperationException($"go build of the memberlist peer took longer than {BuildTimeout}.", e);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"go build of the memberlist peer failed ({process.ExitCode}): {await stdout.ConfigureAwait(false)} {await stderr.ConfigureAwait(false)}");
        }

        File.Move(partial, binary, overwrite: true);
        return binary;
    }
}
