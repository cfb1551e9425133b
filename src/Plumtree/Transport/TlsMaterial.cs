using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Plumtree.Node;

namespace Plumtree.Transport;

/// <summary>
/// One loaded set of TLS files: this node's certificate with its key (and intermediates), ready for
/// <see cref="SslStream"/>, and the CA bundle peers must chain to. Immutable: a reload makes a new one.
/// </summary>
internal sealed class TlsMaterial
{
    private TlsMaterial(X509Certificate2 certificate, SslStreamCertificateContext context, X509Certificate2Collection? authorities, FileStamp stamp)
    {
        Certificate = certificate;
        Context = context;
        Authorities = authorities;
        Stamp = stamp;
    }

    /// <summary>This node's certificate (with its private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate and its intermediates, as sent in a handshake.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>The CA bundle (null: the system's roots).</summary>
    public X509Certificate2Collection? Authorities { get; }

    /// <summary>The files' modification times and sizes when they were read.</summary>
    public FileStamp Stamp { get; }

    /// <summary>Reads and parses the files; null and an error naming the key (<c>Key: problem</c>) when one is unusable.</summary>
    public static string? TryLoad(TlsOptions options, out TlsMaterial? material)
    {
        material = null;
        var stamp = FileStamp.Of(options);
        var certFile = options.CertificateFile!;
        var keyFile = options.KeyFile!;
        if (!File.Exists(certFile))
        {
            return $"{nameof(TlsOptions.CertificateFile)}: '{certFile}' does not exist";
        }

        if (!File.Exists(keyFile))
        {
            return $"{nameof(TlsOptions.KeyFile)}: '{keyFile}' does not exist";
        }

        X509Certificate2Collection chain;
        try
        {
            chain = [];
            chain.ImportFromPemFile(certFile);
            if (chain.Count == 0)
            {
                return $"{nameof(TlsOptions.CertificateFile)}: '{certFile}' holds no PEM certificate";
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"{nameof(TlsOptions.CertificateFile)}: '{certFile}' cannot be read: {e.Message}";
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"{nameof(TlsOptions.KeyFile)}: '{keyFile}' is not an unencrypted PEM private key matching the certificate in '{certFile}': {e.Message}";
        }

        X509Certificate2Collection? authorities = null;
        if (!string.IsNullOrWhiteSpace(options.CaFile))
        {
            if (!File.Exists(options.CaFile))
            {
                return $"{nameof(TlsOptions.CaFile)}: '{options.CaFile}' does not exist";
            }

            try
            {
                authorities = [];
                authorities.ImportFromPemFile(options.CaFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                return $"{nameof(TlsOptions.CaFile)}: '{options.CaFile}' cannot be read: {e.Message}";
            }

            if (authorities.Count == 0)
            {
                return $"{nameof(TlsOptions.CaFile)}: '{options.CaFile}' holds no PEM certificate";
            }
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        SslStreamCertificateContext context;
        try
        {
            context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException or ArgumentException)
        {
            return $"{nameof(TlsOptions.CertificateFile)}: '{certFile}' cannot be used for TLS: {e.Message}";
        }

        material = new TlsMaterial(certificate, context, authorities, stamp);
        return null;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> is acceptable from a peer: it chains to the CA bundle (or, without one,
    /// the system found no error other than the name, which is not checked against addresses), and, with
    /// <paramref name="expectedName"/>, names it.
    /// </summary>
    public bool Accepts(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? expectedName)
    {
        if (certificate is null)
        {
            return false;
        }

        var peer = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        if (Authorities is { } authorities)
        {
            using var verify = new X509Chain();
            verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            verify.ChainPolicy.CustomTrustStore.AddRange(authorities);
            verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            verify.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                {
                    verify.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            if (!verify.Build(peer))
            {
                return false;
            }
        }
        else if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
        {
            return false;
        }

        return expectedName is null || Names(peer, expectedName);
    }

    /// <summary>Whether <paramref name="certificate"/> names <paramref name="name"/> (DNS SAN, or CN without SANs).</summary>
    public static bool Names(X509Certificate2 certificate, string name)
    {
        try
        {
            return certificate.MatchesHostname(name, allowWildcards: true, allowCommonName: true);
        }
        catch (ArgumentException)
        {
            // Not a host name: compare the common name exactly.
            return string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), name, StringComparison.Ordinal);
        }
    }
}

/// <summary>Modification times and sizes of the TLS files (a change means reload).</summary>
internal readonly record struct FileStamp(long CertTicks, long CertLength, long KeyTicks, long KeyLength, long CaTicks, long CaLength)
{
    /// <summary>The stamp of the files now (missing files count as 0).</summary>
    public static FileStamp Of(TlsOptions options)
    {
        static (long Ticks, long Length) One(string? path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                return (0, 0);
            }

            try
            {
                var info = new FileInfo(path);
                return info.Exists ? (info.LastWriteTimeUtc.Ticks, info.Length) : (0, 0);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return (0, 0);
            }
        }

        var cert = One(options.CertificateFile);
        var key = One(options.KeyFile);
        var ca = One(options.CaFile);
        return new FileStamp(cert.Ticks, cert.Length, key.Ticks, key.Length, ca.Ticks, ca.Length);
    }
}
