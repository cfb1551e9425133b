using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

/// <summary>Seeded random messages for fuzz corpora (System.Random, so a printed int seed replays a run).</summary>
internal static class RandomMessages
{
    public static MemberlistMessage Packet(Random random) => random.Next(8) switch
    {
        0 => new Ping((uint)random.Next(), Name(random), Address(random), (ushort)random.Next(65536), Name(random)),
        1 => new IndirectPing((uint)random.Next(), Address(random), (ushort)random.Next(65536), Name(random), random.Next(2) == 0, Address(random), 7946, Name(random)),
        2 => new Ack((uint)random.Next(), random.Next(2) == 0 ? null : Bytes(random, 40)),
        3 => new Nack((uint)random.Next()),
        4 => new Suspect((uint)random.Next(), Name(random), Name(random)),
        5 => new Alive((uint)random.Next(), Name(random), Address(random), 7946, Bytes(random, 60), new ProtocolVersions(1, 5, 2, 0, 0, 0)),
        6 => new Dead((uint)random.Next(), Name(random), Name(random)),
        _ => new UserMessage(Bytes(random, 80)),
    };

    public static MemberlistMessage Stream(Random random) => random.Next(5) switch
    {
        0 => new Ping((uint)random.Next(), Name(random)),
        1 => new Ack((uint)random.Next()),
        2 => new ErrorResponse(Name(random)),
        3 => new UserMessage(Bytes(random, 80)),
        _ => new PushPull(
            random.Next(2) == 0,
            Enumerable.Range(0, random.Next(6)).Select(_ => new PushNodeState(Name(random), Address(random), 7946, Bytes(random, 30), (uint)random.Next(), (NodeStateKind)random.Next(4), new ProtocolVersions(1, 5, 2, 2, 5, 4))).ToList(),
            Bytes(random, 50)),
    };

    private static string Name(Random random) => new(Enumerable.Range(0, random.Next(12)).Select(_ => (char)('a' + random.Next(26))).ToArray());

    private static byte[] Address(Random random) => Bytes(random, 0, random.Next(2) == 0 ? 4 : 16);

    private static byte[] Bytes(Random random, int max) => Bytes(random, 0, random.Next(max + 1));

    private static byte[] Bytes(Random random, int unused, int length)
    {
        _ = unused;
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
