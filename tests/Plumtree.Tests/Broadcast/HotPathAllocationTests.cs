using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// The engine's per-message path allocates nothing: a warmed-up engine (4 eager, 4 lazy peers, bounded cache and
/// de-duplication memory already full, so every structure is at its steady size) handles thousands of messages
/// while a sink encodes every frame into one reused buffer, as the node does. The driver hands the engine one
/// shared payload array, so the only allocation a real driver makes per message (the decoded payload copy) is
/// not counted here at all and the budget is a small fixed constant: any allocation per message, even one array
/// per batch of 64 messages, exceeds it many times over. Bytes are counted on the test's own thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), so parallel tests do not disturb it.
/// </summary>
public sealed class HotPathAllocationTests
{
    private const int Warmup = 10_000;
    private const int Measured = 20_000;
    private const long FixedBudgetBytes = 4 * 1024;
    private static readonly string[] Eager = ["e0", "e1", "e2", "e3"];
    private static readonly string[] Lazy = ["l0", "l1", "l2", "l3"];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void New_gossip_with_eager_push_and_lazy_announcements_allocates_nothing_per_message(bool batched)
    {
        var driver = new Driver(batched);
        for (var i = 0; i < Warmup; i++)
        {
            driver.NewGossip();
        }

        driver.FlushAll();
        driver.Sink.Reset();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            driver.NewGossip();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        driver.FlushAll();

        // The work was done: every message delivered, pushed to the 3 eager peers it did not come from and announced to the 4 lazy ones.
        Assert.Equal(Measured, driver.Sink.Delivered);
        Assert.Equal(Measured * 3L, driver.Sink.Frames[(int)FrameType.Gossip]);
        Assert.Equal(Measured * 4L, driver.Sink.Announced);
        Assert.True(batched ? driver.Sink.Frames[(int)FrameType.IHave] < Measured : driver.Sink.Frames[(int)FrameType.IHave] == Measured * 4L);
        Assert.True(allocated <= FixedBudgetBytes, $"{allocated} B allocated for {Measured} messages ({(double)allocated / Measured:F2} B per message)");
    }

    [Fact]
    public void Announcements_duplicates_grafts_and_prunes_allocate_nothing_per_message()
    {
        var driver = new Driver(batched: true);
        for (var i = 0; i < Warmup; i++)
        {
            driver.MixedRound();
        }

        driver.Sink.Reset();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            driver.MixedRound();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The work was done: each round delivered one message, served one graft and answered the lazy duplicate with a prune.
        Assert.Equal(Measured, driver.Sink.Delivered);
        Assert.Equal(Measured, driver.Sink.Frames[(int)FrameType.Prune]);
        Assert.True(driver.Sink.Frames[(int)FrameType.Gossip] >= Measured * 4L, "grafts served plus eager pushes");
        Assert.Equal(0, driver.Engine.PendingGrafts);
        Assert.True(allocated <= FixedBudgetBytes, $"{allocated} B allocated for {Measured} rounds ({(double)allocated / Measured:F2} B per round)");
    }

    /// <summary>Drives one engine as the node would: 1 ms per message, ticked whenever it asks.</summary>
    private sealed class Driver
    {
        private readonly byte[] _payload = new byte[256];
        private readonly IHaveEntry[] _announcement = new IHaveEntry[1];
        private TimeSpan _now;
        private ulong _next;
        private int _turn;

        public Driver(bool batched)
        {
            var options = new BroadcastOptions
            {
                EagerFanout = 4,
                LazyFanout = 4,
                HashRing = false,
                IHaveInterval = batched ? TimeSpan.FromMilliseconds(50) : TimeSpan.Zero,
                CacheTtl = TimeSpan.FromSeconds(2),
                CacheMaxEntries = 1_000,
                DedupHorizon = TimeSpan.FromSeconds(4),
                DedupMaxEntries = 3_000,
            };
            Engine = new BroadcastEngine("self", options, Sink, new Random(1));
            Engine.SetView(PeerView.Create(["self", .. Eager, .. Lazy]), TimeSpan.Zero);
            foreach (var peer in Eager)
            {
                Engine.Receive(peer, PlumtreeFrame.Graft(MessageId.Empty, 0), TimeSpan.Zero);
            }

            foreach (var peer in Lazy)
            {
                Engine.Receive(peer, PlumtreeFrame.Prune(), TimeSpan.Zero);
            }

            Assert.Equal(Eager.Order(StringComparer.Ordinal), Engine.EagerPeers.Order(StringComparer.Ordinal));
            Assert.Equal(Lazy.Order(StringComparer.Ordinal), Engine.LazyPeers.Order(StringComparer.Ordinal));
        }

        public EncodingSink Sink { get; } = new();

        public BroadcastEngine Engine { get; }

        /// <summary>A new message from an eager peer: deliver, push to the other eager peers, announce to the lazy ones.</summary>
        public void NewGossip()
        {
            Step();
            Engine.Receive(Eager[_turn++ & 3], PlumtreeFrame.Gossip(new MessageId(1, ++_next), 3, _payload), _now);
            TickIfDue();
        }

        /// <summary>
        /// A lazy peer announces a missing message (graft timer), its Gossip arrives from an eager peer, a lazy peer sends
        /// a duplicate (pruned), another lazy peer announces it again (known), an eager peer grafts it (served), and an
        /// eager peer prunes the link and grafts it back.
        /// </summary>
        public void MixedRound()
        {
            Step();
            var id = new MessageId(2, ++_next);
            var eager = Eager[_turn & 3];
            _announcement[0] = new IHaveEntry(id, 2);
            Engine.Receive(Lazy[_turn & 3], PlumtreeFrame.IHave(_announcement), _now);
            Engine.Receive(eager, PlumtreeFrame.Gossip(id, 3, _payload), _now);
            Engine.Receive(Lazy[(_turn + 1) & 3], PlumtreeFrame.Gossip(id, 3, _payload), _now);
            Engine.Receive(Lazy[(_turn + 2) & 3], PlumtreeFrame.IHave(_announcement), _now);
            Engine.Receive(Eager[(_turn + 1) & 3], PlumtreeFrame.Graft(id, 2), _now);
            Engine.Receive(eager, PlumtreeFrame.Prune(), _now);
            Engine.Receive(eager, PlumtreeFrame.Graft(MessageId.Empty, 0), _now);
            _turn++;
            TickIfDue();
        }

        /// <summary>Lets every pending IHave batch go out.</summary>
        public void FlushAll()
        {
            _now += TimeSpan.FromSeconds(1);
            Engine.Tick(_now);
        }

        private void Step() => _now += TimeSpan.FromMilliseconds(1);

        private void TickIfDue()
        {
            if (Engine.NextTickAt <= _now)
            {
                Engine.Tick(_now);
            }
        }
    }

    /// <summary>Encodes every frame into one reused buffer and counts what went out.</summary>
    private sealed class EncodingSink : IBroadcastOutput
    {
        private readonly byte[] _buffer = new byte[64 * 1024];

        public long[] Frames { get; } = new long[256];

        public long Announced { get; private set; }

        public long Delivered { get; private set; }

        public void Reset()
        {
            Array.Clear(Frames);
            Announced = 0;
            Delivered = 0;
        }

        public void Send(string peer, in PlumtreeFrame frame)
        {
            PlumtreeFrameCodec.Encode(frame, _buffer, _buffer.Length);
            Frames[(int)frame.Type]++;
            Announced += frame.Entries.Length;
        }

        public void Deliver(in Delivery delivery) => Delivered++;
    }
}
