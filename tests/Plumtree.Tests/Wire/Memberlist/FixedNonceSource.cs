using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>Always the same nonce: reproduces the Go vectors byte for byte.</summary>
internal sealed class FixedNonceSource(byte[] nonce) : INonceSource
{
    public void Fill(Span<byte> destination) => nonce.CopyTo(destination);
}
