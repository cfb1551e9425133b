using CsCheck;
using Plumtree.Sync;

namespace Plumtree.Tests.Sync;

/// <summary>The incremental set answers the same as one built from scratch, whatever the order of adds and expiries.</summary>
public sealed class SortedSyncItemSetTests
{
    [Fact]
    public void Adds_and_expiry_keep_order_and_range_sums_right() =>
        Gen.Select(Gen.Int, Gen.Int[0, 300], Gen.Int[0, 5]).Sample((seed, count, expiries) =>
        {
            var random = new Random(seed);
            var set = new SortedSyncItemSet();
            var model = new SortedSet<MessageId>();
            for (var i = 0; i < count; i++)
            {
                var id = random.Next(4) == 0 && model.Count > 0
                    ? model.ElementAt(random.Next(model.Count))
                    : SyncScenario.Id(random, SyncRun.From + random.NextInt64(SyncRun.Span));
                Assert.Equal(model.Add(id), set.Add(id));
                if (expiries > 0 && random.Next(count / expiries + 1) == 0)
                {
                    var bound = SyncScenario.Id(random, SyncRun.From + random.NextInt64(SyncRun.Span / 4));
                    Assert.Equal(model.RemoveWhere(x => x < bound), set.RemoveBefore(bound));
                }
            }

            var fresh = new SortedSyncItemSet(model);
            Assert.Equal(model.Count, set.Count);
            Assert.Equal(model.ToArray(), Enumerable.Range(0, set.Count).Select(i => set[i]).ToArray());
            for (var k = 0; k < 10 && set.Count > 0; k++)
            {
                var from = random.Next(set.Count + 1);
                var to = from + random.Next(set.Count - from + 1);
                Assert.Equal(fresh.Accumulate(from, to), set.Accumulate(from, to));
                var expected = model.Skip(from).Take(to - from).Aggregate(SyncAccumulator.Empty, (acc, id) => acc + SyncAccumulator.Of(id));
                Assert.Equal(expected, set.Accumulate(from, to));
            }
        }, iter: 1_000);

    [Fact]
    public void Fingerprints_depend_on_the_set_not_the_order_and_change_with_the_salt()
    {
        var random = new Random(5);
        var ids = Enumerable.Range(0, 50).Select(_ => SyncScenario.Id(random, SyncRun.From + random.NextInt64(SyncRun.Span))).ToArray();
        var forward = ids.Aggregate(SyncAccumulator.Empty, (acc, id) => acc + SyncAccumulator.Of(id));
        var backward = ids.Reverse().Aggregate(SyncAccumulator.Empty, (acc, id) => acc + SyncAccumulator.Of(id));
        Assert.Equal(forward, backward);
        Assert.Equal(forward.Fingerprint(1, 8), backward.Fingerprint(1, 8));
        Assert.NotEqual(forward.Fingerprint(1, 8), forward.Fingerprint(2, 8));
        Assert.NotEqual(forward.Fingerprint(1, 8), (forward - SyncAccumulator.Of(ids[0])).Fingerprint(1, 8));

        // Consecutive ids of one generator: raw sums of {x+1, x+2} and {x, x+3} are equal; the hashed sums are not.
        var x = ids[0];
        MessageId Plus(int n) => new(x.High, x.Low + (ulong)n);
        Assert.NotEqual(SyncAccumulator.Of(Plus(1)) + SyncAccumulator.Of(Plus(2)), SyncAccumulator.Of(Plus(0)) + SyncAccumulator.Of(Plus(3)));
    }
}
