using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Plumtree.Agent.Cli;

/// <summary>The CLI's HTTPS settings: the CA bundle it trusts the agent's certificate with and its client certificate.</summary>
internal static class AdminTls
{
    /// <summary>
    /// A handler trusting <paramref name="caFile"/> (only that bundle: the agent's certificate must chain to it and
    /// name the address dialed) and presenting <paramref name="certFile"/>/<paramref name="keyFile"/>; null when none is
    /// given (the default handler, the system's roots).
    /// </summary>
    /// <exception cref="ArgumentException">A file is missing or does not parse (the message names the option).</exception>
    public static HttpMessageHandler? CreateHandler(string? caFile, string? certFile, string? keyFile)
    {
        if (caFile is null && certFile is null && keyFile is null)
        {
            return null;
        }

        if ((certFile is null) != (keyFile is null))
        {
            throw new ArgumentException(certFile is null ? "--key-file needs --cert-file" : "--cert-file needs --key-file");
        }

        var ssl = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12 };
        if (caFile is not null)
        {
            var authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--ca-file: '{caFile}' cannot be read: {e.Message}", e);
            }

            if (authorities.Count == 0)
            {
                throw new ArgumentException($"--ca-file: '{caFile}' holds no PEM certificate");
            }

            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
                {
                    return false;
                }

                return Hosting.CertificateChains.ChainsTo(certificate as X509Certificate2 ?? new X509Certificate2(certificate), authorities, chain);
            };
        }

        if (certFile is not null)
        {
            try
            {
                ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--cert-file/--key-file: '{certFile}' with '{keyFile}' cannot be used: {e.Message}", e);
            }
        }

        return new SocketsHttpHandler { SslOptions = ssl };
    }
}
