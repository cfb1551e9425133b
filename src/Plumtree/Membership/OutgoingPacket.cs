using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>Turns the parts of <see cref="IMembershipOutput.SendPacket"/> into datagram payloads.</summary>
internal static class OutgoingPacket
{
    /// <summary>
    /// One part is returned as is; several become compound messages (at most 255 parts each; the engine
    /// never produces more than one compound for a packet it sized).
    /// </summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> Assemble(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return [parts[0]];
        }

        return [.. CompoundMessage.Build(parts).Select(static b => (ReadOnlyMemory<byte>)b)];
    }
}
