namespace Plumtree.Node;

/// <summary>
/// TLS 1.3 for this node's Plumtree streams (configuration section <c>Plumtree:Tls</c>). With it set, every stream
/// this node dials or accepts is TLS (mode byte 2 after the <c>'P'</c> prefix) and is not also sealed with the keyring;
/// memberlist's own UDP and TCP traffic keeps the keyring. Every node of a cluster must agree: a TLS node refuses
/// plaintext and sealed streams (<c>tls_required</c>) and a node without TLS refuses TLS streams
/// (<c>tls_not_configured</c>). See <c>docs/security.md</c>, "TLS".
/// </summary>
public sealed record TlsOptions
{
    /// <summary>PEM file with this node's certificate, optionally followed by its intermediate certificates. Required.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM file with the certificate's private key (PKCS#8, PKCS#1 or SEC1, unencrypted). Required.</summary>
    public string? KeyFile { get; init; }

    /// <summary>
    /// PEM file with the CA certificates a peer's certificate must chain to (the CA bundle). Unset: the system's trusted
    /// roots. Host names are not checked against addresses (peers are dialed by IP); see <see cref="VerifyPeerName"/>.
    /// </summary>
    public string? CaFile { get; init; }

    /// <summary>Mutual TLS: a node accepts a stream only from a peer presenting a certificate that chains to the CA bundle. Default false.</summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>
    /// Also require the peer's certificate to name the peer's member name (a DNS subject alternative name, or the
    /// common name when there are none): checked on every dial, and on accept against the name in the hello when
    /// the peer presented a certificate (mutual TLS). Default false: any certificate from the CA is accepted.
    /// </summary>
    public bool VerifyPeerName { get; init; }

    /// <summary>
    /// How often the three files are checked for changes (modification time and size); changed files are reloaded
    /// for new connections, open streams keep going. Zero: only on <see cref="PlumtreeNode.ReloadTls"/>. Default 10 s.
    /// </summary>
    public TimeSpan ReloadCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Every key that is unusable, as <c>Key: rule</c> (the files are read and parsed); empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(CertificateFile))
        {
            errors.Add($"{nameof(CertificateFile)}: must be set");
        }

        if (string.IsNullOrWhiteSpace(KeyFile))
        {
            errors.Add($"{nameof(KeyFile)}: must be set");
        }

        if (ReloadCheckInterval < TimeSpan.Zero || ReloadCheckInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"{nameof(ReloadCheckInterval)}: must be between 0 (no check) and 1 day");
        }

        if (errors.Count == 0 && Transport.TlsMaterial.TryLoad(this, out _) is { } problem)
        {
            errors.Add(problem);
        }

        return errors;
    }
}
