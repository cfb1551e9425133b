using System.Diagnostics;
using System.Security.Cryptography;

namespace Plumtree.ClusterBench.Scale;

/// <summary>
/// Builds a Go memberlist program copied beside this executable — the interop tests' peer
/// (<c>tests/Plumtree.Interop.Tests/go/main.go</c>, as <c>go/</c>) or the versus benchmark's broadcast agent
/// (<c>Versus/go-memberlist/main.go</c>, copied as is) — with <c>go build</c> in GOPATH mode against Debian's
/// memberlist 0.2.2 source (<c>golang-github-hashicorp-memberlist-dev</c>), offline, into a temp directory keyed by the
/// source's hash.
/// </summary>
internal static class GoPeerBuild
{
    public const string GoExecutable = "/usr/bin/go";
    public const string DebianGoPath = "/usr/share/gocode";
    public const string MemberlistSource = DebianGoPath + "/src/github.com/hashicorp/memberlist";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Path of the built peer binary (reused when the source has not changed).</summary>
    public static Task<string> BuildAsync(CancellationToken cancellationToken) => BuildAsync("go", "mlnode", cancellationToken);

    /// <summary>Builds the program in <paramref name="sourceDirectory"/> (beside this executable) as <paramref name="binaryName"/>.</summary>
    public static async Task<string> BuildAsync(string sourceDirectory, string binaryName, CancellationToken cancellationToken)
    {
        if (!File.Exists(GoExecutable) || !Directory.Exists(MemberlistSource))
        {
            throw new InvalidOperationException($"The Go peer needs {GoExecutable} and {MemberlistSource} (apt-get install golang-go golang-github-hashicorp-memberlist-dev), or pass --go-binary PATH.");
        }

        var source = Path.Combine(AppContext.BaseDirectory, sourceDirectory);
        var files = Directory.GetFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(source, file)));
            sha.AppendData(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
        }

        var hash = Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
        var root = Path.Combine(Path.GetTempPath(), "plumtree-bench-go");
        var binary = Path.Combine(root, hash, binaryName);
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
        foreach (var arg in new[] { "build", "-o", partial, "." })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["GO111MODULE"] = "off";
        info.Environment["GOPATH"] = Path.Combine(root, "gopath") + ":" + DebianGoPath;
        info.Environment["GOCACHE"] = Path.Combine(root, "gocache");
        info.Environment["GOFLAGS"] = "";
        info.Environment["HOME"] = root;

        using var process = Process.Start(info) ?? throw new InvalidOperationException("go build did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(BuildTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            process.Kill();
            throw new InvalidOperationException($"go build of {binaryName} took longer than {BuildTimeout}.", e);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"go build of {binaryName} failed ({process.ExitCode}): {await stdout.ConfigureAwait(false)} {await stderr.ConfigureAwait(false)}");
        }

        File.Move(partial, binary, overwrite: true);
        return binary;
    }
}
