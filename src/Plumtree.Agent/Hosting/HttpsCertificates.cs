using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Plumtree.Node;

namespace Plumtree.Agent.Hosting;

/// <summary>
/// The admin API's TLS files (<c>Plumtree:HttpTls</c>): the certificate Kestrel serves (chosen per connection, so a
/// reload reaches new connections only) and the CA bundle client certificates must chain to. Reloaded on SIGHUP and
/// when a periodic check sees the files change; files that do not load are refused and the old ones kept.
/// </summary>
internal sealed class HttpsCertificates : IDisposable
{
    private readonly TlsOptions _options;
    private readonly Lock _lock = new();
    private readonly ITimer? _timer;
    private Loaded _current;
    private (DateTime, long, DateTime, long, DateTime, long) _stamp;

    /// <summary>Loads the files (validated at configuration time); throws <see cref="InvalidOperationException"/> when they no longer load.</summary>
    public HttpsCertificates(TlsOptions options, TimeProvider time)
    {
        _options = options;
        _stamp = Stamp();
        _current = Load(out var problem) ?? throw new InvalidOperationException($"Plumtree:HttpTls: {problem}");
        if (options.ReloadCheckInterval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(static s => ((HttpsCertificates)s!).Check(), this, options.ReloadCheckInterval, options.ReloadCheckInterval);
        }
    }

    /// <summary>Where reloads are logged (set once the host's logging is up).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Whether clients must present a certificate from the CA bundle.</summary>
    public bool RequireClientCertificate => _options.RequireClientCertificate;

    /// <summary>The certificate served to new connections.</summary>
    public X509Certificate2 Certificate => Volatile.Read(ref _current).Certificate;

    /// <summary>Reads the files again; null on success, else why they were refused (logged; the old ones stay in use).</summary>
    public string? Reload()
    {
        string? problem;
        lock (_lock)
        {
            _stamp = Stamp();
            if (Load(out problem) is { } loaded)
            {
                Volatile.Write(ref _current, loaded);
            }
        }

        if (problem is null)
        {
            AgentLog.HttpsReloaded(Logger, Certificate.Subject, Certificate.NotAfter.ToUniversalTime());
        }
        else
        {
            AgentLog.HttpsReloadRefused(Logger, problem);
        }

        return problem;
    }

    /// <summary>Whether a client certificate is acceptable: it chains to the CA bundle (or, without one, the system's roots).</summary>
    public bool AcceptsClient(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var authorities = Volatile.Read(ref _current).Authorities;
        if (authorities is null)
        {
            return errors == SslPolicyErrors.None;
        }

        return CertificateChains.ChainsTo(certificate, authorities, chain);
    }

    /// <inheritdoc/>
    public void Dispose() => _timer?.Dispose();

    private void Check()
    {
        lock (_lock)
        {
            if (Stamp() == _stamp)
            {
                return;
            }
        }

        Reload();
    }

    private Loaded? Load(out string? problem)
    {
        // The same checks as at start (files exist, parse, key matches), naming the key.
        if (_options.Validate() is { Count: > 0 } errors)
        {
            problem = errors[0];
            return null;
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(_options.CertificateFile!, _options.KeyFile!);
            X509Certificate2Collection? authorities = null;
            if (!string.IsNullOrWhiteSpace(_options.CaFile))
            {
                authorities = [];
                authorities.ImportFromPemFile(_options.CaFile);
            }

            problem = null;
            return new Loaded(certificate, authorities);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            problem = e.Message;
            return null;
        }
    }

    private (DateTime, long, DateTime, long, DateTime, long) Stamp()
    {
        static (DateTime, long) One(string? path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                return default;
            }

            var info = new FileInfo(path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        }

        var (c, cl) = One(_options.CertificateFile);
        var (k, kl) = One(_options.KeyFile);
        var (a, al) = One(_options.CaFile);
        return (c, cl, k, kl, a, al);
    }

    private sealed record Loaded(X509Certificate2 Certificate, X509Certificate2Collection? Authorities);
}
