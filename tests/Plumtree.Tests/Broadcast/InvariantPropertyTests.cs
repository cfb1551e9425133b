using CsCheck;
using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// Random event sequences against one engine: view changes (joins, leaves, self in or out), frames of every
/// kind from random members (and strangers), ticks, broadcasts, rebalance, cache clears and RTT samples. After
/// every event the peer-set invariants hold, every frame went to a view member other than self, no message
/// is delivered twice within the de-duplication horizon, and no timer is left overdue after a tick.
/// </summary>
public sealed class InvariantPropertyTests
{
    private static readonly string[] Universe = [.. Enumerable.Range(0, 12).Select(i => $"u{i}"), "self"];

    private static readonly BroadcastOptions[] Variants =
    [
        BroadcastOptions.Lan with { CacheMaxEntries = 5, DedupMaxEntries = 12, CacheTtl = TimeSpan.FromSeconds(2), DedupHorizon = TimeSpan.FromSeconds(5), NeighborRefusalTtl = TimeSpan.FromSeconds(3) },
        BroadcastOptions.Lan with { ProtectRingNeighbors = true, IHaveBatchSize = 2 },
        BroadcastOptions.Paper(manySenders: true),
        new() { EagerFanout = 2, LazyFanout = 2, MaxProtectedNeighbors = 3, ProtectRingNeighbors = true, OptimizationThreshold = 1, MaxAnnouncers = 2, MaxGraftAttempts = 2 },
        new() { EagerFanout = 1, LazyFanout = 3, HashRing = false, IHaveInterval = TimeSpan.Zero, MaxMessageSize = 64 },
    ];

    [Fact]
    public void Peer_set_invariants_hold_after_every_event_of_random_sequences()
    {
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[50, 200], Gen.Int[0, Variants.Length - 1])
            .Sample((seed, length, variant) => Run(seed, length, Variants[variant]), iter: 1000, threads: 1);
    }

    private static void Run(int seed, int length, BroadcastOptions options)
    {
        var random = new Random(seed);
        var output = new RecordingOutput();
        var engine = new BroadcastEngine("self", options, output, new Random(seed ^ 0x5bd1e995));
        var now = TimeSpan.Zero;
        var nextOwnId = 1000UL;
        var deliveredAt = new Dictionary<MessageId, (TimeSpan At, int Index)>();
        var deliveries = 0;
        var checkedSends = 0;
        var checkedDeliveries = 0;

        for (var step = 0; step < length; step++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(0, 400));
            var from = random.Next(10) == 0 ? "stranger" : Universe[random.Next(Universe.Length)];
            var kind = random.Next(13);
            string what;
            switch (kind)
            {
                case 0:
                    var members = Universe.Where(n => n == "self" ? random.Next(10) != 0 : random.Next(10) < 7);
                    engine.SetView(PeerView.Create(members), now);
                    what = "SetView";
                    break;
                case 1 or 2:
                    var size = random.Next(20) == 0 ? options.MaxMessageSize + 1 : random.Next(0, 40);
                    engine.Receive(from, PlumtreeFrame.Gossip(SmallId(random), random.Next(0, 12), new byte[size]), now);
                    what = "Gossip";
                    break;
                case 3 or 4:
                    var entries = Enumerable.Range(0, random.Next(0, 4)).Select(_ => new IHaveEntry(SmallId(random), random.Next(0, 12))).ToArray();
                    engine.Receive(from, PlumtreeFrame.IHave(entries), now);
                    what = "IHave";
                    break;
                case 5:
                    engine.Receive(from, PlumtreeFrame.Graft(random.Next(3) == 0 ? MessageId.Empty : SmallId(random), random.Next(0, 12)), now);
                    what = "Graft";
                    break;
                case 6:
                    engine.Receive(from, PlumtreeFrame.Prune(), now);
                    what = "Prune";
                    break;
                case 7:
                    engine.Receive(from, PlumtreeFrame.Neighbor(random.Next(2) == 0), now);
                    what = "Neighbor";
                    break;
                case 8:
                    engine.Receive(from, PlumtreeFrame.Disconnect(), now);
                    what = "Disconnect";
                    break;
                case 9:
                    var due = engine.NextTickAt;
                    if (due is { } d && d > now && random.Next(2) == 0)
                    {
                        now = d; // jump to the next timer, as a driver does
                    }

                    engine.Tick(now);
                    Assert.True(engine.NextTickAt is null || engine.NextTickAt > now, $"seed {seed} step {step}: a timer is overdue after Tick");
                    what = "Tick";
                    break;
                case 10:
                    engine.Broadcast(new MessageId(1, nextOwnId++), new byte[random.Next(0, 40)], now);
                    what = "Broadcast";
                    break;
                case 11:
                    if (random.Next(2) == 0)
                    {
                        engine.Rebalance(now);
                        what = "Rebalance";
                    }
                    else
                    {
                        engine.ClearCache();
                        what = "ClearCache";
                    }

                    break;
                default:
                    engine.ObserveRtt(from, TimeSpan.FromMilliseconds(random.Next(1, 100)));
                    what = "ObserveRtt";
                    break;
            }

            var context = $"seed {seed} step {step} ({what} from {from}), options {options}";
            var broken = InvariantChecks.Check(engine, engine.View);
            Assert.True(broken is null, $"{context}: {broken}");

            for (; checkedSends < output.Sent.Count; checkedSends++)
            {
                var to = output.Sent[checkedSends].To;
                Assert.True(to != "self" && engine.View.Contains(to), $"{context}: sent to {to}, not a view member");
            }

            for (; checkedDeliveries < output.Delivered.Count; checkedDeliveries++)
            {
                var id = output.Delivered[checkedDeliveries].Id;
                if (deliveredAt.TryGetValue(id, out var earlier))
                {
                    var forgotten = now - earlier.At >= options.DedupHorizon || deliveries - earlier.Index >= options.DedupMaxEntries;
                    Assert.True(forgotten, $"{context}: {id} delivered twice within the de-duplication horizon");
                }

                deliveredAt[id] = (now, deliveries++);
            }
        }
    }

    private static MessageId SmallId(Random random) => new(0, (ulong)random.Next(1, 30));
}
