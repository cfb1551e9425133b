namespace Plumtree.Wire.Memberlist;

/// <summary>
/// Size limits the decoders enforce before allocating (memberlist-wire.md §6; the values of newer
/// memberlist versions).
/// </summary>
internal static class MemberlistLimits
{
    /// <summary>Largest encrypted stream payload (<c>[10][len]</c> length): 20 MiB.</summary>
    public const int MaxEncryptedStreamBytes = 20 * 1024 * 1024;

    /// <summary>Largest node count in a push/pull header: 1 Mi.</summary>
    public const int MaxPushPullNodes = 1024 * 1024;

    /// <summary>Largest push/pull user state, TCP user message, or compressed stream buffer: 20 MiB.</summary>
    public const int MaxUserStateBytes = 20 * 1024 * 1024;

    /// <summary>Largest total decompressed size of one packet or stream message: 40 MiB.</summary>
    public const int MaxDecompressedBytes = 40 * 1024 * 1024;

    /// <summary>How many compound/compress wrappers a packet may nest (Go sends at most compress → compound).</summary>
    public const int MaxNestingDepth = 4;

    /// <summary>Parts one compound message can hold (the count is one byte).</summary>
    public const int MaxCompoundParts = byte.MaxValue;

    /// <summary>Largest label (the length is one byte).</summary>
    public const int MaxLabelBytes = byte.MaxValue;
}
