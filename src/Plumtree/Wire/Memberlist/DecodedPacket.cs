namespace Plumtree.Wire.Memberlist;

/// <summary>
/// What one UDP packet carried after every wrapper was removed. Compound parts are handled one by one, as
/// Go does: a bad part is reported in <see cref="PartErrors"/> and the others are still delivered.
/// </summary>
internal sealed class DecodedPacket
{
    /// <summary>Creates the result.</summary>
    public DecodedPacket(IReadOnlyList<MemberlistMessage> messages, IReadOnlyList<WireDecodeException> partErrors, int truncatedParts, bool hadCrc)
    {
        Messages = messages;
        PartErrors = partErrors;
        TruncatedParts = truncatedParts;
        HadCrc = hadCrc;
    }

    /// <summary>The messages, in packet order (parts of compounds flattened).</summary>
    public IReadOnlyList<MemberlistMessage> Messages { get; }

    /// <summary>Compound parts that could not be decoded (the rest of the packet was still used).</summary>
    public IReadOnlyList<WireDecodeException> PartErrors { get; }

    /// <summary>Compound parts dropped because the packet ended before them.</summary>
    public int TruncatedParts { get; }

    /// <summary>The packet carried a (valid) CRC wrapper.</summary>
    public bool HadCrc { get; }
}
