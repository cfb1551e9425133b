using System.Security.Cryptography;

namespace Plumtree.Wire.Memberlist;

/// <summary>Where AES-GCM nonces come from. Production uses <see cref="RandomNonceSource"/>; tests inject fixed nonces.</summary>
internal interface INonceSource
{
    /// <summary>Fills <paramref name="nonce"/> (12 bytes) with a fresh nonce.</summary>
    void Fill(Span<byte> nonce);
}

/// <summary>Nonces from the operating system's cryptographic random number generator.</summary>
internal sealed class RandomNonceSource : INonceSource
{
    private RandomNonceSource()
    {
    }

    /// <summary>The shared instance.</summary>
    public static RandomNonceSource Instance { get; } = new();

    /// <inheritdoc/>
    public void Fill(Span<byte> nonce) => RandomNumberGenerator.Fill(nonce);
}
