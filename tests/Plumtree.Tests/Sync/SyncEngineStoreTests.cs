using Plumtree.Sync;

namespace Plumtree.Tests.Sync;

/// <summary>The engine's store: de-duplication, retention by horizon and by bytes, the floor.</summary>
public sealed class SyncEngineStoreTests
{
    private const long Minute = 60 * 1000;

    [Fact]
    public void Accept_returns_false_for_a_held_id_and_true_for_a_new_one()
    {
        var net = new SyncNet();
        var engine = net.Add("a");
        var id = SyncNet.Id(new Random(1), net.Now - 10);

        Assert.True(engine.Accept(id, new byte[] { 1, 2, 3 }, net.Now));
        Assert.False(engine.Accept(id, new byte[] { 1, 2, 3 }, net.Now));
        Assert.True(engine.Contains(id));
        Assert.True(engine.TryGetPayload(id, out var payload));
        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
        Assert.Equal((1, 3L), (engine.Count, engine.Bytes));
    }

    [Fact]
    public void Messages_older_than_the_horizon_are_dropped_and_RetainedFrom_advances()
    {
        var net = new SyncNet();
        var engine = net.Add("a", SyncNet.Options() with { Horizon = TimeSpan.FromHours(1), JoinWindow = TimeSpan.FromMinutes(5) });
        engine.Load([], SyncNet.T0 - (3 * 60 * Minute), net.Now);
        var random = new Random(2);
        var ids = Enumerable.Range(0, 60).Select(i => SyncNet.Id(random, net.Now - (i * Minute) - 1)).ToList();
        SyncNet.Fill(engine, ids, net.Now);
        Assert.Equal(60, engine.Count);
        Assert.Equal(net.Now - 60 * Minute, engine.FloorUnixMilliseconds(net.Now));
        Assert.Equal(ids.Min().UnixMilliseconds + (60 * Minute) + 1, engine.NextTickAt);

        var later = net.Now + (30 * Minute);
        engine.Tick(later);

        var kept = ids.Where(id => id.UnixMilliseconds >= later - (60 * Minute)).Order().ToList();
        Assert.Equal(kept, engine.Messages().Select(m => m.Id));
        Assert.Equal(later - (60 * Minute), engine.RetainedFrom.UnixMilliseconds);
        Assert.Equal(kept.Count * 16L, engine.Bytes);

        // An id older than the floor is accepted (true) but not kept.
        var old = SyncNet.Id(random, later - (61 * Minute));
        Assert.True(engine.Accept(old, new byte[] { 1 }, later));
        Assert.False(engine.Contains(old));
    }

    [Fact]
    public void Over_MaxStoreBytes_the_oldest_messages_are_dropped()
    {
        var net = new SyncNet();
        var engine = net.Add("a", SyncNet.Options() with { MaxStoreBytes = 64 * 1024 });
        var random = new Random(3);
        var ids = Enumerable.Range(0, 100).Select(i => SyncNet.Id(random, net.Now - 100_000 + (i * 1000))).ToList();
        SyncNet.Fill(engine, ids, net.Now, size: 1024);

        Assert.Equal(64, engine.Count);
        Assert.Equal(64 * 1024, engine.Bytes);
        Assert.Equal(ids.Skip(36), engine.Messages().Select(m => m.Id));
        Assert.True(engine.RetainedFrom > ids[35] && engine.RetainedFrom <= ids[36]);

        // The floor served to initiators moves with the byte bound: a dropped id is never stored again.
        Assert.True(engine.Accept(ids[0], new byte[1024], net.Now));
        Assert.False(engine.Contains(ids[0]));
    }

    [Fact]
    public void The_floor_is_the_later_of_the_horizon_and_the_join_window()
    {
        var net = new SyncNet();
        var engine = net.Add("a", SyncNet.Options() with { Horizon = TimeSpan.FromHours(1), JoinWindow = TimeSpan.FromMinutes(5) }, epoch: SyncNet.T0);

        Assert.Equal(SyncNet.T0, engine.JoinedUnixMilliseconds);
        Assert.Equal(SyncNet.T0 - (5 * Minute), engine.FloorUnixMilliseconds(SyncNet.T0));
        Assert.Equal(SyncNet.T0 - (5 * Minute), engine.FloorUnixMilliseconds(SyncNet.T0 + (10 * Minute)));
        Assert.Equal(SyncNet.T0 + (60 * Minute), engine.FloorUnixMilliseconds(SyncNet.T0 + (120 * Minute)));

        engine.Load([], SyncNet.T0 - (24 * 60 * Minute), SyncNet.T0);
        Assert.Equal(SyncNet.T0 - (60 * Minute), engine.FloorUnixMilliseconds(SyncNet.T0));
    }
}
