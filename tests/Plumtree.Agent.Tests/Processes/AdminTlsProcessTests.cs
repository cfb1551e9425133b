using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Processes;

/// <summary>
/// TLS on a real agent process with certificates the test makes: the admin API over HTTPS for the CLI with
/// <c>--ca-file</c> (plain HTTP and an untrusting client refused), SIGHUP reloading the files, and mutual TLS standing
/// in for the token beyond loopback.
/// </summary>
public sealed class AdminTlsProcessTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private readonly TestCertificateAuthority _ca = new("agent test CA");

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    [Fact]
    public async Task The_cli_talks_https_with_its_ca_file_plain_http_is_refused_and_sighup_reloads_the_certificates()
    {
        var caFile = _ca.WriteCa(_dir.Combine("ca.crt"));
        var (httpCert, httpKey) = (_dir.Combine("http.crt"), _dir.Combine("http.key"));
        var (nodeCert, nodeKey) = (_dir.Combine("node.crt"), _dir.Combine("node.key"));
        using var firstHttp = _ca.Issue("localhost", httpCert, httpKey);
        using var firstNode = _ca.Issue("secure", nodeCert, nodeKey);
        var config = _dir.File("plumtree.json", $$"""
            { "Plumtree": {
                "Tls": { "CertificateFile": {{Json(nodeCert)}}, "KeyFile": {{Json(nodeKey)}}, "CaFile": {{Json(caFile)}}, "ReloadCheckInterval": "00:00:00" },
                "HttpTls": { "CertificateFile": {{Json(httpCert)}}, "KeyFile": {{Json(httpKey)}}, "ReloadCheckInterval": "00:00:00" } } }
            """);
        var httpPort = PortFinder.FreeTcpPort(IPAddress.Loopback);
        var port = PortFinder.FreeTcpAndUdpPort(IPAddress.Loopback);
        using var agent = AgentProcess.Start(
        [
            "agent", "--config", config, "--data-dir", _dir.Combine("data"), "--node-name", "secure",
            "--bind", $"127.0.0.1:{port}", "--profile", "local", "--http", $"127.0.0.1:{httpPort}",
        ]);
        var https = $"https://127.0.0.1:{httpPort}";

        var members = await Eventually.UntilAsync(
            async () => agent.HasExited ? throw new InvalidOperationException($"agent exited: {agent}") : await AgentProcess.RunAsync(["members", "--http", https, "--ca-file", caFile]),
            r => r.ExitCode == 0,
            Bound,
            "the CLI reaches the agent over HTTPS",
            Ct);
        Assert.Contains("secure", members.Stdout, StringComparison.Ordinal);
        Assert.Contains($"HTTP admin listening on https://127.0.0.1:{httpPort}", agent.Stdout, StringComparison.Ordinal);

        var untrusted = await AgentProcess.RunAsync(["members", "--http", https]);
        var plain = await AgentProcess.RunAsync(["members", "--http", $"127.0.0.1:{httpPort}"]);
        Assert.Equal(ExitCodes.Unreachable, untrusted.ExitCode);
        Assert.NotEqual(0, plain.ExitCode);

        Assert.Equal(firstHttp.Thumbprint, await ServedCertificateAsync(httpPort, alpnHttp: true));
        Assert.Equal(firstNode.Thumbprint, await ServedCertificateAsync(port, alpnHttp: false));

        // New files, then SIGHUP: new connections get the new certificates; the agent keeps running.
        using var secondHttp = _ca.Issue("localhost", httpCert, httpKey);
        using var secondNode = _ca.Issue("secure", nodeCert, nodeKey);
        using (var kill = Process.Start("kill", ["-HUP", agent.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        await Eventually.UntilAsync(
            async () => (await ServedCertificateAsync(httpPort, alpnHttp: true), await ServedCertificateAsync(port, alpnHttp: false)),
            served => served == (secondHttp.Thumbprint, secondNode.Thumbprint),
            Bound,
            "both listeners serve the reloaded certificates",
            Ct);
        Assert.False(agent.HasExited);
        Assert.Contains("HTTP admin TLS certificate reloaded", agent.Stdout, StringComparison.Ordinal);
        Assert.Contains("reloaded its TLS certificate", agent.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await AgentProcess.RunAsync(["members", "--http", https, "--ca-file", caFile])).ExitCode);

        // A bad file on the next SIGHUP is refused and logged; the certificate in use stays.
        await File.WriteAllTextAsync(httpCert, "garbage", Ct);
        using (var kill = Process.Start("kill", ["-HUP", agent.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        await Eventually.UntilAsync(() => Task.FromResult(agent.Stdout), log => log.Contains("HTTP admin TLS files refused", StringComparison.Ordinal), Bound, "the bad file is refused", Ct);
        Assert.Equal(secondHttp.Thumbprint, await ServedCertificateAsync(httpPort, alpnHttp: true));
    }

    [Fact]
    public async Task Beyond_loopback_mutual_tls_stands_in_for_the_token()
    {
        var caFile = _ca.WriteCa(_dir.Combine("ca.crt"));
        var (httpCert, httpKey) = (_dir.Combine("http.crt"), _dir.Combine("http.key"));
        var (clientCert, clientKey) = (_dir.Combine("ops.crt"), _dir.Combine("ops.key"));
        _ca.Issue("localhost", httpCert, httpKey);
        _ca.Issue("ops", clientCert, clientKey);
        var config = _dir.File("plumtree.json", $$"""
            { "Plumtree": { "HttpTls": { "CertificateFile": {{Json(httpCert)}}, "KeyFile": {{Json(httpKey)}}, "CaFile": {{Json(caFile)}}, "RequireClientCertificate": true } } }
            """);
        var httpPort = PortFinder.FreeTcpPort(IPAddress.Any);
        var port = PortFinder.FreeTcpAndUdpPort(IPAddress.Loopback);
        using var agent = AgentProcess.Start(
        [
            "agent", "--config", config, "--data-dir", _dir.Combine("data"), "--node-name", "mutual",
            "--bind", $"127.0.0.1:{port}", "--profile", "local", "--http", $"0.0.0.0:{httpPort}",
        ]);
        var https = $"https://127.0.0.1:{httpPort}";
        string[] client = ["--http", https, "--ca-file", caFile, "--cert-file", clientCert, "--key-file", clientKey];

        await Eventually.UntilAsync(
            async () => agent.HasExited ? throw new InvalidOperationException($"agent exited: {agent}") : await AgentProcess.RunAsync(["members", .. client]),
            r => r.ExitCode == 0,
            Bound,
            "the CLI with a client certificate reaches the agent",
            Ct);
        var rebalance = await AgentProcess.RunAsync(["rebalance", .. client]);
        var withoutCertificate = await AgentProcess.RunAsync(["members", "--http", https, "--ca-file", caFile]);

        Assert.Equal(0, rebalance.ExitCode);
        Assert.NotEqual(0, withoutCertificate.ExitCode);
        Assert.Contains("HTTP admin requires a client certificate", agent.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("WITHOUT authentication", agent.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The thumbprint of the certificate a TLS listener serves to a new connection (Plumtree's port: 'P', mode 2 first).</summary>
    private static async Task<string> ServedCertificateAsync(int port, bool alpnHttp)
    {
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(IPAddress.Loopback, port, Ct);
        var network = tcp.GetStream();
        if (!alpnHttp)
        {
            await network.WriteAsync(new byte[] { (byte)'P', 2 }, Ct);
        }

        string? thumbprint = null;
        await using var tls = new SslStream(network);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    thumbprint = certificate?.GetCertHashString();
                    return true;
                },
            },
            Ct);
        return thumbprint!;
    }
}
