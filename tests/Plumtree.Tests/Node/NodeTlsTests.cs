using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Plumtree.Broadcast;
using Plumtree.Node;
using Plumtree.Testing;
using Plumtree.Wire;

namespace Plumtree.Tests.Node;

/// <summary>
/// TLS 1.3 Plumtree streams on real nodes with certificates made by the test: delivery, refusals (another CA, a
/// plain node, no client certificate), and reloading the files without dropping open streams.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class NodeTlsTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestCertificateAuthority _ca = new("plumtree test CA");

    private static CancellationToken Ct => NodeCluster.Ct;

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Three_nodes_with_mutual_tls_deliver_every_broadcast()
    {
        await using var cluster = await NodeCluster.StartAsync(3, configure: o => UseTls(o, _ca, mutual: true));
        var ids = new List<MessageId>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[i % 3], i));
        }

        await cluster.WaitDeliveredAsync(ids);
        Assert.All(cluster.Nodes, n => Assert.Equal(100, ids.Count(cluster.Deliveries[n.Name].ContainsKey)));
        Assert.All(cluster.Nodes, n => Assert.DoesNotContain(n.ConnectionsRefusedByReason().Keys, k => k.StartsWith("tls", StringComparison.Ordinal)));
        Assert.All(cluster.Nodes, n => Assert.NotNull(n.StreamTransport!.Options.Tls));
    }

    [Fact]
    public async Task A_node_with_a_certificate_from_another_ca_is_refused_both_ways_and_counted()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => UseTls(o, _ca, mutual: true));
        using var other = new TestCertificateAuthority("another CA");
        var stranger = NodeCluster.Options($"{cluster.Prefix}-stranger", cluster.Interceptor);
        UseTls(stranger, other, mutual: true);
        var outsider = await cluster.AddAsync(stranger, join: true);
        await cluster.WaitConvergedAsync();

        // Its streams to the members fail their handshake, and theirs to it.
        var i = 0;
        var fromMember = new System.Collections.Concurrent.ConcurrentBag<MessageId>();
        await NodeCluster.Until(
            () =>
            {
                _ = cluster.BroadcastAsync(outsider, i++);
                _ = TrackAsync(fromMember, cluster.BroadcastAsync(cluster.Nodes[0], i++));
                return Refused(cluster.Nodes[0], "tls") + Refused(cluster.Nodes[1], "tls") > 0 && Refused(outsider, "tls") > 0;
            },
            () => "handshakes across the two CAs are refused: " + string.Join(", ", cluster.Nodes.Select(n => $"{n.Name}: {Describe(n)}")));
        var last = await cluster.BroadcastAsync(cluster.Nodes[0], i++);
        await cluster.WaitDeliveredAsync([last], [cluster.Nodes[1]]);
        fromMember.Add(last);
        Assert.DoesNotContain(fromMember, cluster.Deliveries[outsider.Name].ContainsKey);
        Assert.True(outsider.StreamTransport!.Counters.Errors.Snapshot().GetValueOrDefault("tls") > 0);
    }

    [Fact]
    public async Task A_plain_node_and_a_tls_node_cannot_talk_and_both_sides_count_it()
    {
        await using var cluster = await NodeCluster.StartAsync(2, configure: o => UseTls(o, _ca, mutual: false));
        var plain = await cluster.AddAsync(NodeCluster.Options($"{cluster.Prefix}-plain", cluster.Interceptor), join: true);
        await cluster.WaitConvergedAsync();

        var i = 0;
        var fromMember = new System.Collections.Concurrent.ConcurrentBag<MessageId>();
        await NodeCluster.Until(
            () =>
            {
                _ = cluster.BroadcastAsync(plain, i++);
                _ = TrackAsync(fromMember, cluster.BroadcastAsync(cluster.Nodes[0], i++));
                return Refused(cluster.Nodes[0], "tls_required") + Refused(cluster.Nodes[1], "tls_required") > 0 && Refused(plain, "tls_not_configured") > 0;
            },
            () => "plain and TLS streams are refused: " + string.Join(", ", cluster.Nodes.Select(n => $"{n.Name}: {Describe(n)}")));
        var last = await cluster.BroadcastAsync(cluster.Nodes[0], i++);
        await cluster.WaitDeliveredAsync([last], [cluster.Nodes[1]]);
        fromMember.Add(last);
        Assert.DoesNotContain(fromMember, cluster.Deliveries[plain.Name].ContainsKey);
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_without_a_certificate_and_accepts_one_from_the_ca()
    {
        await using var cluster = await NodeCluster.StartAsync(1, configure: o => UseTls(o, _ca, mutual: true));
        var node = cluster.Nodes[0];

        // Without a client certificate: TLS 1.3 lets the client finish first; the server refuses and closes.
        await using (var anonymous = await TlsProbe.ConnectAsync(node.AdvertisedEndPoint, clientCertificate: null))
        {
            await anonymous.TrySendHelloAsync("intruder");
            await NodeCluster.Until(() => Refused(node, "tls") == 1, () => "the stream without a client certificate is refused as tls: " + Describe(node));
        }

        // With one from the CA: the handshake and the hello pass (the sender is then held as unknown, not refused as tls).
        var certFile = _dir.Combine("client.crt");
        var keyFile = _dir.Combine("client.key");
        _ca.Issue("client", certFile, keyFile);
        using var clientCertificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        await using var member = await TlsProbe.ConnectAsync(node.AdvertisedEndPoint, clientCertificate);
        Assert.True(await member.TrySendHelloAsync("client"));
        await NodeCluster.Until(() => Refused(node, "unknown_sender") == 1, () => "the certified stream gets past TLS: " + Describe(node));
        Assert.Equal(1, Refused(node, "tls"));
    }

    [Fact]
    public async Task Reloading_the_files_serves_the_new_certificate_to_new_connections_while_open_streams_keep_delivering()
    {
        await using var cluster = await NodeCluster.StartAsync(3, configure: o => UseTls(o, _ca, mutual: true, reloadCheck: TimeSpan.Zero));
        var node = cluster.Nodes[0];
        var first = await DeliverAsync(cluster, 0, 20);

        var before = await ServedCertificateAsync(node);
        var tls = node.StreamTransport!.Options.Tls!.Options;
        using var renewed = _ca.Issue(node.Name, tls.CertificateFile!, tls.KeyFile!);
        Assert.Null(node.ReloadTls());
        var after = await ServedCertificateAsync(node);
        Assert.NotEqual(before, after);
        Assert.Equal(renewed.Thumbprint, after);

        // The streams opened before the reload still carry broadcasts.
        var connected = cluster.Nodes.Skip(1).Select(n => n.StreamTransport!.IsConnected(node.Name)).ToList();
        var second = await DeliverAsync(cluster, 20, 20);
        Assert.Equal(40, first.Count + second.Count);
        Assert.All(connected.Zip(cluster.Nodes.Skip(1)), pair => Assert.True(!pair.First || pair.Second.StreamTransport!.IsConnected(node.Name)));

        // A bad file is refused, naming the key; the node keeps serving the certificate it had.
        await File.WriteAllTextAsync(tls.CertificateFile!, "not a certificate", Ct);
        var problem = node.ReloadTls();
        Assert.NotNull(problem);
        Assert.StartsWith(nameof(TlsOptions.CertificateFile), problem, StringComparison.Ordinal);
        Assert.Equal(renewed.Thumbprint, await ServedCertificateAsync(node));
        await DeliverAsync(cluster, 40, 10);
    }

    [Fact]
    public async Task Changed_files_are_picked_up_by_the_periodic_check()
    {
        await using var cluster = await NodeCluster.StartAsync(1, configure: o => UseTls(o, _ca, mutual: false, reloadCheck: TimeSpan.FromMilliseconds(100)));
        var node = cluster.Nodes[0];
        var tls = node.StreamTransport!.Options.Tls!.Options;
        var before = await ServedCertificateAsync(node);

        using var renewed = _ca.Issue(node.Name, tls.CertificateFile!, tls.KeyFile!);
        var served = before;
        await NodeCluster.Until(
            () =>
            {
                served = ServedCertificateAsync(node).GetAwaiter().GetResult();
                return served == renewed.Thumbprint;
            },
            () => $"the node serves the renewed certificate (serves {served}, old {before}, new {renewed.Thumbprint})");
    }

    [Fact]
    public async Task A_stalled_handshake_runs_out_of_the_hello_deadline()
    {
        await using var cluster = await NodeCluster.StartAsync(1, configure: o =>
        {
            UseTls(o, _ca, mutual: true);
            o.Streams = new StreamOptions { HelloTimeout = TimeSpan.FromMilliseconds(300) };
        });
        var node = cluster.Nodes[0];
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(node.AdvertisedEndPoint, Ct);

        // The mode byte and the first bytes of a TLS record header, then nothing.
        await client.GetStream().WriteAsync(new byte[] { PlumtreeStreamProtocol.Prefix, PlumtreeStreamProtocol.ModeTls, 0x16, 0x03, 0x01 }, Ct);
        await NodeCluster.Until(() => Refused(node, "hello_timeout") == 1, () => "the stalled handshake is closed at the hello deadline: " + Describe(node));
        Assert.Equal(0, Refused(node, "tls"));
        Assert.True(await IsClosedAsync(client.GetStream()));
    }

    /// <summary>The server closed the connection: a read ends (EOF or reset).</summary>
    private static async Task<bool> IsClosedAsync(NetworkStream stream)
    {
        try
        {
            return await stream.ReadAsync(new byte[16], Ct).AsTask().WaitAsync(NodeCluster.WaitLimit, Ct) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public void Options_naming_missing_or_bad_files_fail_validation_naming_the_key()
    {
        var cert = _dir.Combine("n.crt");
        var key = _dir.Combine("n.key");
        _ca.Issue("n", cert, key);
        var good = new TlsOptions { CertificateFile = cert, KeyFile = key, CaFile = _ca.WriteCa(_dir.Combine("ca.crt")) };
        Assert.Empty(good.Validate());
        Assert.Contains((good with { CertificateFile = _dir.Combine("missing.crt") }).Validate(), e => e.StartsWith("CertificateFile:", StringComparison.Ordinal));
        Assert.Contains((good with { KeyFile = _dir.File("bad.key", "garbage") }).Validate(), e => e.StartsWith("KeyFile:", StringComparison.Ordinal));
        Assert.Contains((good with { CaFile = _dir.File("bad.ca", "garbage") }).Validate(), e => e.StartsWith("CaFile:", StringComparison.Ordinal));
        Assert.Contains(new TlsOptions { KeyFile = key }.Validate(), e => e.StartsWith("CertificateFile:", StringComparison.Ordinal));

        var other = _dir.Combine("o.crt");
        _ca.Issue("o", other, _dir.Combine("o.key"));
        Assert.Contains((good with { CertificateFile = other }).Validate(), e => e.StartsWith("KeyFile:", StringComparison.Ordinal));

        var options = NodeCluster.Options("x", null);
        options.Tls = good with { KeyFile = _dir.Combine("missing.key") };
        Assert.Contains(options.Validate(), e => e.StartsWith("Tls.KeyFile:", StringComparison.Ordinal));
    }

    private void UseTls(PlumtreeNodeOptions options, TestCertificateAuthority ca, bool mutual, TimeSpan? reloadCheck = null)
    {
        var cert = _dir.Combine($"{options.NodeName}.crt");
        var key = _dir.Combine($"{options.NodeName}.key");
        ca.Issue(options.NodeName, cert, key);
        options.Tls = new TlsOptions
        {
            CertificateFile = cert,
            KeyFile = key,
            CaFile = ca.WriteCa(_dir.Combine($"{options.NodeName}-ca.crt")),
            RequireClientCertificate = mutual,
            VerifyPeerName = mutual,
            ReloadCheckInterval = reloadCheck ?? TimeSpan.FromSeconds(10),
        };
    }

    private static async Task<List<MessageId>> DeliverAsync(NodeCluster cluster, int start, int count)
    {
        var ids = new List<MessageId>();
        for (var i = start; i < start + count; i++)
        {
            ids.Add(await cluster.BroadcastAsync(cluster.Nodes[i % cluster.Nodes.Count], i));
        }

        await cluster.WaitDeliveredAsync(ids);
        return ids;
    }

    private async Task<string> ServedCertificateAsync(PlumtreeNode node)
    {
        var certFile = _dir.Combine("probe.crt");
        var keyFile = _dir.Combine("probe.key");
        if (!File.Exists(certFile))
        {
            _ca.Issue("probe", certFile, keyFile);
        }

        using var client = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        await using var probe = await TlsProbe.ConnectAsync(node.AdvertisedEndPoint, client);
        return probe.ServerCertificate!.Thumbprint;
    }

    private static async Task TrackAsync(System.Collections.Concurrent.ConcurrentBag<MessageId> ids, Task<MessageId> broadcast) => ids.Add(await broadcast);

    private static long Refused(PlumtreeNode node, string reason) => node.ConnectionsRefusedByReason().GetValueOrDefault(reason);

    private static string Describe(PlumtreeNode node) =>
        string.Join(" ", node.ConnectionsRefusedByReason().Select(r => $"{r.Key}={r.Value}"))
        + " errors " + string.Join(" ", node.StreamTransport!.Counters.Errors.Snapshot().Select(r => $"{r.Key}={r.Value}"));

    /// <summary>A raw TLS stream client: 'P', mode 2, the handshake (accepting any server certificate, keeping it), then a hello.</summary>
    private sealed class TlsProbe : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly SslStream _tls;

        private TlsProbe(TcpClient client, SslStream tls, X509Certificate2? server)
        {
            _client = client;
            _tls = tls;
            ServerCertificate = server;
        }

        public X509Certificate2? ServerCertificate { get; }

        public static async Task<TlsProbe> ConnectAsync(IPEndPoint to, X509Certificate2? clientCertificate)
        {
            var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
            await client.ConnectAsync(to, Ct).AsTask().WaitAsync(NodeCluster.WaitLimit, Ct);
            var network = client.GetStream();
            await network.WriteAsync(new byte[] { PlumtreeStreamProtocol.Prefix, PlumtreeStreamProtocol.ModeTls }, Ct);
            X509Certificate2? served = null;
            var tls = new SslStream(network);
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    {
                        served = certificate is null ? null : new X509Certificate2(certificate);
                        return true;
                    },
                },
                Ct).WaitAsync(NodeCluster.WaitLimit, Ct);
            return new TlsProbe(client, tls, served);
        }

        /// <summary>Writes a hello; false when the server has already closed the connection.</summary>
        public async Task<bool> TrySendHelloAsync(string node)
        {
            try
            {
                await _tls.WriteAsync(PlumtreeStreamProtocol.Record(PlumtreeStreamProtocol.EncodeHello(node, [])), Ct);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _tls.DisposeAsync();
            _client.Dispose();
        }
    }
}
