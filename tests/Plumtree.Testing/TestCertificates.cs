using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Plumtree.Testing;

/// <summary>A certificate authority made by a test (ECDSA P-256), issuing leaf certificates written as PEM files.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly ECDsa _key;
    private long _serial;

    /// <summary>Makes a self-signed CA named <paramref name="name"/>, valid from a day ago for a year.</summary>
    public TestCertificateAuthority(string name)
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        Certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    /// <summary>The CA certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate in PEM.</summary>
    public string Pem => Certificate.ExportCertificatePem();

    /// <summary>Writes the CA certificate to <paramref name="path"/> and returns it.</summary>
    public string WriteCa(string path)
    {
        File.WriteAllText(path, Pem);
        return path;
    }

    /// <summary>
    /// Issues a leaf certificate for <paramref name="name"/> (CN and DNS name, plus IP 127.0.0.1) usable as both TLS
    /// server and client, and writes it and its key as PEM to <paramref name="certFile"/> and <paramref name="keyFile"/>.
    /// </summary>
    public X509Certificate2 Issue(string name, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        if (Uri.CheckHostName(name) == UriHostNameType.Dns)
        {
            san.AddDnsName(name);
        }

        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + now.ToUnixTimeMilliseconds());
        using var issued = request.Create(Certificate, now.AddDays(-1), now.AddDays(30), serial);
        var leaf = issued.CopyWithPrivateKey(key);
        File.WriteAllText(certFile, leaf.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return leaf;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
