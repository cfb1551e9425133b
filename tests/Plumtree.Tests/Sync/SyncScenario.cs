using CsCheck;

namespace Plumtree.Tests.Sync;

/// <summary>Two id sets with a known overlap, as generated for the property tests.</summary>
internal sealed record SyncScenario(MessageId[] Initiator, MessageId[] Responder, string Shape)
{
    public MessageId[] OnlyInitiator => [.. Initiator.Except(Responder).Order()];

    public MessageId[] OnlyResponder => [.. Responder.Except(Initiator).Order()];

    public override string ToString() => $"{Shape}: initiator {Initiator.Length}, responder {Responder.Length}, only initiator {OnlyInitiator.Length}, only responder {OnlyResponder.Length}";

    /// <summary>
    /// Shapes: random overlap over the whole horizon; identical; disjoint; differences clustered in one time slice
    /// (a partition); one side empty; bursts of consecutive ids minted in one millisecond by one generator.
    /// </summary>
    public static readonly Gen<SyncScenario> Gen =
        CsCheck.Gen.Select(CsCheck.Gen.Int[0, 5], CsCheck.Gen.Int[0, 400], CsCheck.Gen.Int[0, 80], CsCheck.Gen.Int[0, 80], CsCheck.Gen.Int)
            .Select((shape, common, onlyA, onlyB, seed) => Build(shape, common, onlyA, onlyB, seed));

    public static SyncScenario Build(int shape, int common, int onlyA, int onlyB, int seed)
    {
        var random = new Random(seed);
        var span = SyncRun.Span;
        var sliceStart = random.NextInt64(span);
        var sliceLength = Math.Max(1, span / 50);
        MessageId Uniform() => Id(random, SyncRun.From + random.NextInt64(span));
        MessageId InSlice() => Id(random, SyncRun.From + Math.Min(span - 1, sliceStart + random.NextInt64(sliceLength)));
        var shared = Enumerable.Range(0, common).Select(_ => Uniform()).ToList();
        switch (shape)
        {
            case 0:
                return Make(shared, Enumerable.Range(0, onlyA).Select(_ => Uniform()), Enumerable.Range(0, onlyB).Select(_ => Uniform()), "random");
            case 1:
                return Make(shared, [], [], "identical");
            case 2:
                return Make([], shared.Take(common / 2).Concat(Enumerable.Range(0, onlyA).Select(_ => Uniform())), shared.Skip(common / 2).Concat(Enumerable.Range(0, onlyB).Select(_ => Uniform())), "disjoint");
            case 3:
                return Make(shared, Enumerable.Range(0, onlyA).Select(_ => InSlice()), Enumerable.Range(0, onlyB).Select(_ => InSlice()), "partition");
            case 4:
                return Make([], [], shared.Concat(Enumerable.Range(0, onlyB).Select(_ => Uniform())), "initiator empty");
            default:
                var burstA = Burst(random, onlyA);
                var burstB = Burst(random, onlyB);
                return Make(shared, burstA.Where((_, i) => i % 3 != 0), burstB.Concat(burstA.Where((_, i) => i % 3 == 0)), "burst");
        }
    }

    public static MessageId Id(Random random, long unixMilliseconds)
    {
        var hi = ((ulong)unixMilliseconds << 16) | (uint)random.Next(1 << 16);
        return new MessageId(hi, unchecked((ulong)random.NextInt64() ^ ((ulong)(uint)random.Next() << 63)));
    }

    private static List<MessageId> Burst(Random random, int count)
    {
        var first = Id(random, SyncRun.From + random.NextInt64(SyncRun.Span));
        return [.. Enumerable.Range(0, count).Select(i => new MessageId(first.High, first.Low + (ulong)i))];
    }

    private static SyncScenario Make(IEnumerable<MessageId> shared, IEnumerable<MessageId> onlyA, IEnumerable<MessageId> onlyB, string shape)
    {
        var common = shared.ToList();
        return new SyncScenario([.. common.Concat(onlyA).Distinct()], [.. common.Concat(onlyB).Distinct()], shape);
    }
}
