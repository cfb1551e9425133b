using System.Net;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Tests.Node;

public sealed class ReconnectorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private static MemberEvent Dead(string name, int port) =>
        new(MemberEventKind.Dead, new Member { Name = name, Address = IPAddress.Loopback, Port = port });

    /// <summary>The times at which <paramref name="reconnector"/> tries, polled every 100 ms for <paramref name="span"/>.</summary>
    private static List<TimeSpan> Tries(Reconnector reconnector, TimeSpan start, TimeSpan span)
    {
        var tries = new List<TimeSpan>();
        for (var now = start; now <= start + span; now += TimeSpan.FromMilliseconds(100))
        {
            if (reconnector.Due(now) is not null)
            {
                tries.Add(now);
            }
        }

        return tries;
    }

    [Fact]
    public void The_first_try_comes_when_a_member_fails()
    {
        var reconnector = new Reconnector(Interval, TimeSpan.FromHours(1), new Random(1));
        Assert.Null(reconnector.Due(TimeSpan.FromSeconds(5)));

        reconnector.Observe(Dead("b", 7001), TimeSpan.FromSeconds(10));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7001), reconnector.Due(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Each_wait_after_a_try_is_drawn_from_half_to_one_and_a_half_intervals()
    {
        var reconnector = new Reconnector(Interval, TimeSpan.FromHours(10), new Random(7));
        reconnector.Observe(Dead("b", 7001), TimeSpan.Zero);

        var tries = Tries(reconnector, TimeSpan.Zero, TimeSpan.FromHours(2));
        var waits = tries.Zip(tries.Skip(1), (a, b) => b - a).ToList();

        Assert.True(waits.Count > 100, $"{waits.Count} waits");
        Assert.All(waits, w => Assert.InRange(w, Interval * 0.5, Interval * 1.5 + TimeSpan.FromMilliseconds(100)));
        Assert.InRange(waits.Min(), Interval * 0.5, Interval * 0.65);
        Assert.InRange(waits.Max(), Interval * 1.35, Interval * 1.5 + TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Nodes_that_saw_the_same_failure_at_the_same_moment_do_not_try_in_step()
    {
        // Eight nodes see b fail at t = 0 and all try at once (the partition still holds); the partition heals at
        // t = 1 s. In step, the first try after the heal would come a whole interval later on every node.
        var firstAfterHeal = Enumerable.Range(0, 8).Select(seed =>
        {
            var reconnector = new Reconnector(Interval, TimeSpan.FromHours(1), new Random(seed));
            reconnector.Observe(Dead("b", 7001), TimeSpan.Zero);
            return Tries(reconnector, TimeSpan.Zero, TimeSpan.FromMinutes(2)).First(t => t > TimeSpan.FromSeconds(1));
        }).ToList();

        Assert.True(firstAfterHeal.Distinct().Count() >= 6, string.Join(", ", firstAfterHeal));
        Assert.True(firstAfterHeal.Min() < Interval * 0.8, $"earliest try after the heal at {firstAfterHeal.Min()}");
    }

    [Fact]
    public void A_member_failed_longer_than_the_timeout_is_forgotten()
    {
        var reconnector = new Reconnector(Interval, TimeSpan.FromMinutes(1), new Random(3));
        reconnector.Observe(Dead("b", 7001), TimeSpan.Zero);

        Assert.NotNull(reconnector.Due(TimeSpan.Zero));
        Assert.Empty(Tries(reconnector, TimeSpan.FromSeconds(61), TimeSpan.FromMinutes(5)));
    }
}
