using CsCheck;
using Plumtree.Simulator.Core;

namespace Plumtree.Simulator.Tests;

public sealed class CoreTests
{
    [Fact]
    public void The_event_queue_orders_by_time_then_by_insertion()
    {
        var queue = new EventQueue();
        queue.Enqueue(20, new SimEvent { To = 1 });
        queue.Enqueue(10, new SimEvent { To = 2 });
        queue.Enqueue(20, new SimEvent { To = 3 });
        queue.Enqueue(10, new SimEvent { To = 4 });
        queue.Enqueue(5, new SimEvent { To = 5 });

        var order = new List<(long, int)>();
        while (queue.Count > 0)
        {
            var ev = queue.Dequeue(out var time);
            order.Add((time, ev.To));
        }

        Assert.Equal([(5L, 5), (10L, 2), (10L, 4), (20L, 1), (20L, 3)], order);
    }

    [Fact]
    public void The_in_order_lane_and_the_heap_together_keep_time_then_insertion_order()
    {
        // Operations: (in order?, time step, dequeue now?). In-order times only grow; heap times are arbitrary.
        Gen.Select(Gen.Bool, Gen.Int[0, 5], Gen.Int[0, 30], Gen.Bool).Array[1, 200].Sample(
            ops =>
            {
                var queue = new EventQueue();
                var reference = new List<(long Time, int Id)>();
                var popped = new List<(long Time, int Id)>();
                var expected = new List<(long Time, int Id)>();
                long inOrderTime = 0, now = 0;
                var id = 0;
                foreach (var (inOrder, step, offset, pop) in ops)
                {
                    long time;
                    if (inOrder)
                    {
                        inOrderTime = Math.Max(inOrderTime + step, now);
                        time = inOrderTime;
                        queue.EnqueueInOrder(time, new SimEvent { To = id });
                    }
                    else
                    {
                        time = now + offset;
                        queue.Enqueue(time, new SimEvent { To = id });
                    }

                    reference.Add((time, id++));
                    if (pop)
                    {
                        var ev = queue.Dequeue(out var t);
                        popped.Add((t, ev.To));
                        now = t;
                        var next = reference.OrderBy(r => r.Time).ThenBy(r => r.Id).First();
                        reference.Remove(next);
                        expected.Add(next);
                    }
                }

                while (queue.Count > 0)
                {
                    var ev = queue.Dequeue(out var t);
                    popped.Add((t, ev.To));
                }

                expected.AddRange(reference.OrderBy(r => r.Time).ThenBy(r => r.Id));
                Assert.Equal(expected, popped);
            },
            iter: 300);
    }

    [Fact]
    public void Link_latency_is_fixed_per_link_symmetric_and_within_the_range()
    {
        var network = new NetworkModel(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100), 0, new Random(3));
        var delays = new HashSet<long>();
        for (var a = 0; a < 40; a++)
        {
            for (var b = a + 1; b < 40; b++)
            {
                Assert.True(network.TryRoute(a, b, out var ab));
                Assert.True(network.TryRoute(b, a, out var ba));
                Assert.Equal(ab, ba);
                Assert.Equal(ab, network.LinkDelay(a, b));
                Assert.InRange(ab, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(100).Ticks);
                delays.Add(ab);
            }
        }

        Assert.True(delays.Count > 700); // 780 links, practically all distinct: drawn, not constant
    }

    [Fact]
    public void A_partition_cuts_only_links_between_groups_until_healed()
    {
        var network = new NetworkModel(TimeSpan.FromTicks(1), TimeSpan.FromTicks(1), 0, new Random(1));
        network.Partition([0, 0, 1, 1]);

        Assert.True(network.TryRoute(0, 1, out _));
        Assert.False(network.TryRoute(1, 2, out _));
        Assert.True(network.TryRoute(2, 3, out _));
        Assert.Equal(1, network.Cut);

        network.Heal();
        Assert.True(network.TryRoute(1, 2, out _));
    }

    [Fact]
    public void Loss_drops_about_the_configured_fraction_of_frames()
    {
        var network = new NetworkModel(TimeSpan.FromTicks(1), TimeSpan.FromTicks(1), 0.2, new Random(9));
        var delivered = Enumerable.Range(0, 20_000).Count(i => network.TryRoute(i % 7, (i % 7) + 1, out _));

        Assert.InRange(delivered, 15_600, 16_400); // 16,000 ± 3σ (σ ≈ 57) with margin
        Assert.Equal(20_000 - delivered, network.Lost);
    }

    [Fact]
    public void Invalid_configs_are_refused_with_every_problem_named()
    {
        var config = new SimConfig { Nodes = 1, Warmup = 300, Loss = 1.5 };

        var errors = config.Validate();

        Assert.Contains(errors, e => e.Contains("--nodes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--warmup", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--loss", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new Simulation(config));
    }
}
