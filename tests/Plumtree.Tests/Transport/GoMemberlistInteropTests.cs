using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;
using static Plumtree.Tests.Transport.TransportTestKit;

namespace Plumtree.Tests.Transport;

/// <summary>
/// One smoke test against the real Go dialer: Debian's memberlist 0.2.2 joins our TCP port with a push/pull
/// (plaintext, then AES-256 with compression), proving the incremental stream parsing and the reply
/// against Go itself; then our dialer push/pulls and TCP-pings the Go node. Needs <c>golang-go</c> and <c>golang-github-hashicorp-memberlist-dev</c>
/// (<c>apt-get install golang-go golang-github-hashicorp-memberlist-dev</c>); the Go source is
/// <c>Transport/go/pushpull/main.go</c>, built in GOPATH mode (a cold build takes about 10 s).
/// </summary>
[Trait("Category", "Interop")]
public sealed class GoMemberlistInteropTests
{
    private const string GoBinary = "/usr/bin/go";
    private const string GoPath = "/usr/share/gocode";
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_go_memberlist_node_joins_through_our_push_pull_and_answers_ours_plain_and_encrypted()
    {
        Assert.True(File.Exists(GoBinary) && Directory.Exists(Path.Combine(GoPath, "src/github.com/hashicorp/memberlist")),
            "This interop test needs golang-go and golang-github-hashicorp-memberlist-dev (apt-get install golang-go golang-github-hashicorp-memberlist-dev).");
        var program = await BuildAsync();

        foreach (var key in new[] { null, Key(7) })
        {
            await using var ours = StartMemberlist(Options("dotnet-node") with { Keyring = key, TcpTimeout = TimeSpan.FromSeconds(5) });
            var seen = new TaskCompletionSource<PushPull>(TaskCreationOptions.RunContinuationsAsynchronously);
            ours.PushPullRequested = (_, remote, _) =>
            {
                seen.TrySetResult(remote);
                return ValueTask.FromResult(new PushPull(remote.Join, [NodeState(ours.NodeName, ours.AdvertiseEndPoint)], []));
            };

            var keyArg = key is null ? "" : Convert.ToHexString(key.PrimaryKey);
            using var go = Start(program, ["-target", ours.LocalEndPoint.ToString(), "-key", keyArg, "-name", "go-node"]);
            var stderr = go.StandardError.ReadToEndAsync(Ct);
            try
            {
                var line = await go.StandardOutput.ReadLineAsync(Ct).AsTask().Within();
                if (line is null)
                {
                    Assert.Fail($"go printed nothing: {await stderr.Within()}");
                }

                using var result = JsonDocument.Parse(line);
                var root = result.RootElement;
                Assert.True(root.GetProperty("joined").GetInt32() == 1, $"join failed: {root.GetProperty("error").GetString()}");
                var members = root.GetProperty("members").EnumerateArray()
                    .Select(m => (Name: m.GetProperty("name").GetString(), Addr: m.GetProperty("addr").GetString(), Port: m.GetProperty("port").GetInt32()))
                    .ToList();
                Assert.Contains(("dotnet-node", "127.0.0.1", ours.AdvertiseEndPoint.Port), members);

                var remote = await seen.Task.Within();
                Assert.True(remote.Join);
                var goNode = Assert.Single(remote.Nodes, n => n.Name == "go-node");
                Assert.Equal(ProtocolVersions.PlainMemberlist, goNode.Vsn);
                Assert.Equal(NodeStateKind.Alive, goNode.State);
                Assert.Equal(IPAddress.Loopback.GetAddressBytes(), goNode.Addr);

                // And the other way round: our dialer against Go's responder.
                var self = root.GetProperty("self");
                var goEndPoint = new IPEndPoint(IPAddress.Parse(self.GetProperty("addr").GetString()!), self.GetProperty("port").GetInt32());
                var reply = await ours.PushPullAsync(goEndPoint, new PushPull(false, [NodeState(ours.NodeName, ours.AdvertiseEndPoint)], []), Ct).Within();
                Assert.False(reply.Join);
                Assert.Equal(["dotnet-node", "go-node"], reply.Nodes.Select(n => n.Name).Order(StringComparer.Ordinal));
                Assert.True(await ours.TcpPingAsync(goEndPoint, new Ping(77, "go-node"), WaitLimit, Ct).Within());
            }
            finally
            {
                go.StandardInput.Close();
                await ExitAsync(go, TimeSpan.FromSeconds(30));
            }

            Assert.Equal(0, ours.Counters.DecodeErrors.Total);
        }
    }

    private static async Task<string> BuildAsync()
    {
        var source = FindSource();
        var work = Directory.CreateTempSubdirectory("plumtree-go-").FullName;
        var package = Path.Combine(work, "src", "pushpull");
        Directory.CreateDirectory(package);
        File.Copy(Path.Combine(source, "main.go"), Path.Combine(package, "main.go"));
        var output = Path.Combine(work, "pushpull");
        var (exit, _, stderr) = await RunAsync(
            GoBinary,
            ["build", "-o", output, "pushpull"],
            BuildLimit,
            new Dictionary<string, string>
            {
                ["GO111MODULE"] = "off",
                ["GOPATH"] = $"{GoPath}:{work}",
                ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "plumtree-go-cache"),
                ["GOFLAGS"] = "",
                ["CGO_ENABLED"] = "0",
            },
            workingDirectory: package);
        Assert.True(exit == 0, $"go build failed ({exit}): {stderr}");
        return output;
    }

    private static string FindSource()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Plumtree.Tests", "Transport", "go", "pushpull");
            if (File.Exists(Path.Combine(candidate, "main.go")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Cannot find tests/Plumtree.Tests/Transport/go/pushpull/main.go above " + AppContext.BaseDirectory);
    }

    private static Process Start(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private static async Task ExitAsync(Process process, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, Ct);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(
        string file, IReadOnlyList<string> args, TimeSpan limit, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using var process = Start(file, args, environment, workingDirectory);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await ExitAsync(process, limit);
        return (process.ExitCode, await stdout, await stderr);
    }
}
