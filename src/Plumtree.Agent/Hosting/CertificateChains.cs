using System.Security.Cryptography.X509Certificates;

namespace Plumtree.Agent.Hosting;

/// <summary>The agent's one rule for a certificate from the other end of a TLS connection (admin API client or server).</summary>
internal static class CertificateChains
{
    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (the configured CA bundle,
    /// trusted alone: the system's roots are not), using the intermediates the peer sent in <paramref name="chain"/>.
    /// Revocation is not checked (docs/security.md, "TLS").
    /// </summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities, X509Chain? chain)
    {
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.AddRange(authorities);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                verify.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return verify.Build(certificate);
    }
}
