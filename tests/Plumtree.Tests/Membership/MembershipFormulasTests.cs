using Plumtree.Membership;

namespace Plumtree.Tests.Membership;

public sealed class MembershipFormulasTests
{
    // performance-anchors.md §4.2, LAN: n → suspicion min / max (s), retransmits.
    public static TheoryData<int, double, double, int> LanTable => new()
    {
        { 10, 4, 24, 8 },
        { 100, 8, 48, 12 },
        { 1000, 12, 72, 16 },
        { 10000, 16, 96, 20 },
    };

    [Theory]
    [MemberData(nameof(LanTable))]
    public void Lan_suspicion_bounds_and_retransmits_match_the_anchor_table(int n, double minSeconds, double maxSeconds, int retransmits)
    {
        var o = MembershipOptions.Lan;
        Assert.Equal(TimeSpan.FromSeconds(minSeconds), MembershipFormulas.SuspicionMin(o.SuspicionMult, n, o.ProbeInterval));
        Assert.Equal(TimeSpan.FromSeconds(maxSeconds), MembershipFormulas.SuspicionMax(o.SuspicionMult, o.SuspicionMaxTimeoutMult, n, o.ProbeInterval));
        Assert.Equal(retransmits, MembershipFormulas.RetransmitLimit(o.RetransmitMult, n));
    }

    [Fact]
    public void Lan_with_four_nodes_and_one_confirmation_times_out_after_11_381_seconds()
    {
        // memberlist-wire.md §15: measured 11 s against Go, formula 11.4 s; Go computes 11.381 s.
        var o = MembershipOptions.Lan;
        var min = MembershipFormulas.SuspicionMin(o.SuspicionMult, 4, o.ProbeInterval);
        var max = min * o.SuspicionMaxTimeoutMult;
        var k = MembershipFormulas.ExpectedConfirmations(o.SuspicionMult, 4);
        Assert.Equal(TimeSpan.FromSeconds(4), min);
        Assert.Equal(2, k);
        Assert.Equal(TimeSpan.FromSeconds(24), MembershipFormulas.SuspicionTimeout(min, max, k, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(11_381), MembershipFormulas.SuspicionTimeout(min, max, k, 1));
        Assert.Equal(TimeSpan.FromSeconds(4), MembershipFormulas.SuspicionTimeout(min, max, k, 2));
    }

    [Fact]
    public void Local_with_three_nodes_and_one_confirmation_times_out_after_3_seconds_and_18_without()
    {
        var o = MembershipOptions.Local;
        var min = MembershipFormulas.SuspicionMin(o.SuspicionMult, 3, o.ProbeInterval);
        var max = min * o.SuspicionMaxTimeoutMult;
        var k = MembershipFormulas.ExpectedConfirmations(o.SuspicionMult, 3);
        Assert.Equal(1, k);
        Assert.Equal(TimeSpan.FromSeconds(18), MembershipFormulas.SuspicionTimeout(min, max, k, 0));
        Assert.Equal(TimeSpan.FromSeconds(3), MembershipFormulas.SuspicionTimeout(min, max, k, 1));
    }

    [Fact]
    public void No_confirmations_are_expected_when_too_few_other_nodes_exist_and_then_the_minimum_applies()
    {
        Assert.Equal(0, MembershipFormulas.ExpectedConfirmations(4, 3));
        Assert.Equal(2, MembershipFormulas.ExpectedConfirmations(4, 4));
        var min = TimeSpan.FromSeconds(4);
        Assert.Equal(min, MembershipFormulas.SuspicionTimeout(min, min * 6, 0, 0));
    }

    [Fact]
    public void Confirmations_shrink_the_timeout_monotonically_from_max_to_min()
    {
        var min = MembershipFormulas.SuspicionMin(6, 1000, TimeSpan.FromSeconds(5));
        var max = min * 6;
        Assert.Equal(TimeSpan.FromSeconds(90), min);
        var previous = TimeSpan.MaxValue;
        for (var c = 0; c <= 4; c++)
        {
            var t = MembershipFormulas.SuspicionTimeout(min, max, 4, c);
            Assert.True(t < previous && t >= min, $"c={c}: {t}");
            Assert.Equal(0, t.Ticks % TimeSpan.TicksPerMillisecond);
            previous = t;
        }

        Assert.Equal(min, previous);
        Assert.Equal(TimeSpan.FromMilliseconds(346_195), MembershipFormulas.SuspicionTimeout(min, max, 4, 1));
    }

    [Fact]
    public void Node_scale_is_truncated_to_thousandths_like_go()
    {
        // log10(32) = 1.50514..., truncated to 1.505 → 4 × 1.505 s.
        Assert.Equal(TimeSpan.FromMilliseconds(6_020), MembershipFormulas.SuspicionMin(4, 32, TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromMilliseconds(7_980), MembershipFormulas.SuspicionMin(4, 99, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(32, 1)]
    [InlineData(33, 2)]
    [InlineData(64, 2)]
    [InlineData(65, 3)]
    [InlineData(128, 3)]
    [InlineData(129, 4)]
    public void Push_pull_interval_scales_above_32_nodes(int n, int multiplier)
    {
        Assert.Equal(TimeSpan.FromSeconds(30 * multiplier), MembershipFormulas.PushPullScale(TimeSpan.FromSeconds(30), n));
    }

    [Fact]
    public void Retransmit_limit_is_four_sends_up_to_nine_nodes_with_lan_settings()
    {
        for (var n = 1; n <= 9; n++)
        {
            Assert.Equal(4, MembershipFormulas.RetransmitLimit(4, n));
        }

        Assert.Equal(8, MembershipFormulas.RetransmitLimit(4, 10));
        Assert.Equal(8, MembershipFormulas.RetransmitLimit(4, 99));
        Assert.Equal(12, MembershipFormulas.RetransmitLimit(4, 100));
    }
}
