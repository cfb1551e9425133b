using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Plumtree.Node;

namespace Plumtree.Transport;

/// <summary>
/// The TLS side of a <see cref="PlumtreeStreamTransport"/>: the files in use, their reload (on request, or when a
/// periodic check through the <see cref="TimeProvider"/> sees them change), and the handshake options built from
/// the current files for each new connection, so a reload never touches open streams. A reload that fails keeps the
/// files in use.
/// </summary>
internal sealed class StreamTls : IDisposable
{
    private readonly TlsOptions _options;
    private readonly Lock _reloadLock = new();
    private readonly ITimer? _timer;
    private TlsMaterial _material;
    private FileStamp _lastSeen;

    /// <summary>Loads the files; throws <see cref="ArgumentException"/> naming the key when one is unusable.</summary>
    public StreamTls(TlsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException($"Tls.{errors[0]}", nameof(options));
        }

        if (TlsMaterial.TryLoad(options, out var material) is { } problem)
        {
            throw new ArgumentException($"Tls.{problem}", nameof(options));
        }

        _material = material!;
        _lastSeen = _material.Stamp;
        if (options.ReloadCheckInterval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(static state => ((StreamTls)state!).CheckFiles(), this, options.ReloadCheckInterval, options.ReloadCheckInterval);
        }
    }

    /// <summary>The options.</summary>
    public TlsOptions Options => _options;

    /// <summary>The files in use.</summary>
    public TlsMaterial Current => Volatile.Read(ref _material);

    /// <summary>Raised after each reload attempt: null when the new files are in use, else why they were refused (the old ones stay).</summary>
    public Action<string?>? Reloaded { get; set; }

    /// <summary>Reads the files again; on success new connections use them. Returns null, or why they were refused (the old files stay in use).</summary>
    public string? Reload()
    {
        string? problem;
        lock (_reloadLock)
        {
            _lastSeen = FileStamp.Of(_options);
            problem = TlsMaterial.TryLoad(_options, out var material);
            if (problem is null)
            {
                Volatile.Write(ref _material, material!);
            }
        }

        try
        {
            Reloaded?.Invoke(problem);
        }
        catch (Exception)
        {
            // A logging hook must not break the reload.
        }

        return problem;
    }

    /// <summary>Server-side handshake options for one accepted connection.</summary>
    public SslServerAuthenticationOptions ServerOptions()
    {
        var material = Current;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = material.Context,
            EnabledSslProtocols = SslProtocols.Tls13,
            ClientCertificateRequired = _options.RequireClientCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                certificate is null ? !_options.RequireClientCertificate : material.Accepts(certificate, chain, errors, expectedName: null),
        };
    }

    /// <summary>Client-side handshake options for dialing <paramref name="node"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(string node)
    {
        var material = Current;
        var expected = _options.VerifyPeerName ? node : null;
        return new SslClientAuthenticationOptions
        {
            // Peers are dialed by address: the name is only sent (as SNI) when it is a host name.
            TargetHost = Uri.CheckHostName(node) == UriHostNameType.Dns ? node : "",
            ClientCertificateContext = material.Context,
            EnabledSslProtocols = SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => material.Accepts(certificate, chain, errors, expected),
        };
    }

    /// <summary>Whether an accepted stream's client certificate may carry <paramref name="node"/>'s hello (<see cref="TlsOptions.VerifyPeerName"/>).</summary>
    public bool MayClaim(X509Certificate? clientCertificate, string node) =>
        !_options.VerifyPeerName || clientCertificate is null
        || TlsMaterial.Names(clientCertificate as X509Certificate2 ?? new X509Certificate2(clientCertificate), node);

    /// <summary>Stops the file check.</summary>
    public void Dispose() => _timer?.Dispose();

    private void CheckFiles()
    {
        lock (_reloadLock)
        {
            if (FileStamp.Of(_options) == _lastSeen)
            {
                return;
            }
        }

        Reload();
    }
}
