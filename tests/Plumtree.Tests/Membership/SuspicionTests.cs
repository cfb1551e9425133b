using Plumtree.Membership;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Membership;

public sealed class SuspicionTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    /// <summary>self + n1..n3 = 4 known nodes (LAN: min 4 s, max 24 s, k = 2), all answering probes.</summary>
    private static EngineHarness FourNodes()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(3);
        h.AllRespond();
        h.Advance(TimeSpan.FromSeconds(2));
        return h;
    }

    [Fact]
    public void Without_confirmations_a_suspect_is_declared_dead_at_the_maximum_timeout()
    {
        var h = FourNodes();
        var start = h.Now;
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);

        h.RunUntil(start + TimeSpan.FromSeconds(24) - Ms);
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);
        h.RunUntil(start + TimeSpan.FromSeconds(24));
        Assert.Equal(MemberState.Dead, h.Member("n1").State);
        Assert.Equal(1, h.Engine.Counters.DeadDetected);
        Assert.Contains(h.Output.Events, e => e.Kind == MemberEventKind.Dead && e.Member.Name == "n1");

        // dead{its incarnation, it, me} is gossiped.
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(h.Output.AllMessages(), m => m.Message.Equals(new Dead(1, "n1", EngineHarness.SelfName)));
    }

    [Fact]
    public void One_confirmation_shortens_the_timeout_to_11_381_seconds_with_four_nodes()
    {
        var h = FourNodes();
        var start = h.Now;
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        h.Advance(TimeSpan.FromSeconds(3));
        h.Receive(EngineHarness.EndPointOf(3), new Suspect(1, "n1", "n3"));
        Assert.Equal(1, h.Engine.Counters.SuspicionConfirmations);

        h.RunUntil(start + TimeSpan.FromMilliseconds(11_380));
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);
        h.RunUntil(start + TimeSpan.FromMilliseconds(11_381));
        Assert.Equal(MemberState.Dead, h.Member("n1").State);
    }

    [Fact]
    public void A_confirmation_past_the_shortened_deadline_declares_dead_at_once()
    {
        var h = FourNodes();
        var start = h.Now;
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        h.RunUntil(start + TimeSpan.FromSeconds(12));
        h.Receive(EngineHarness.EndPointOf(3), new Suspect(1, "n1", "n3"));
        h.Advance(TimeSpan.Zero);
        Assert.Equal(MemberState.Dead, h.Member("n1").State);
    }

    [Fact]
    public void Confirmations_count_once_per_accuser_excluding_the_first_and_are_regossiped()
    {
        var h = FourNodes();
        var start = h.Now;
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        Assert.Equal(0, h.Engine.Counters.SuspicionConfirmations);
        h.Receive(EngineHarness.EndPointOf(3), new Suspect(1, "n1", "n3"));
        h.Receive(EngineHarness.EndPointOf(3), new Suspect(1, "n1", "n3"));
        Assert.Equal(1, h.Engine.Counters.SuspicionConfirmations);

        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(h.Output.AllMessages(), m => m.Message.Equals(new Suspect(1, "n1", "n3")));

        // Second confirmation (k = 2): the minimum, 4 s.
        h.Receive(EngineHarness.EndPointOf(1), new Suspect(1, "n1", "n2"));
        Assert.Equal(1, h.Engine.Counters.SuspicionConfirmations);
        h.Receive(EngineHarness.EndPointOf(1), new Suspect(1, "n1", "n9"));
        Assert.Equal(2, h.Engine.Counters.SuspicionConfirmations);
        h.RunUntil(start + TimeSpan.FromSeconds(4) - Ms);
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);
        h.RunUntil(start + TimeSpan.FromSeconds(4));
        Assert.Equal(MemberState.Dead, h.Member("n1").State);
    }

    [Fact]
    public void A_refutation_cancels_the_suspicion()
    {
        var h = FourNodes();
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 2));
        Assert.Equal(MemberState.Alive, h.Member("n1").State);
        Assert.Contains(h.Output.Events, e => e.Kind == MemberEventKind.Alive && e.Member.Name == "n1");
        h.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(MemberState.Alive, h.Member("n1").State);
        Assert.Equal(0, h.Engine.Counters.DeadDetected);
    }

    [Fact]
    public void Suspicions_of_unknown_nodes_and_older_incarnations_are_ignored()
    {
        var h = FourNodes();
        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, incarnation: 5));
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(4, "n1", "n2"));
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(9, "ghost", "n2"));
        Assert.Equal(MemberState.Alive, h.Member("n1").State);
        Assert.Null(h.Engine.GetMember("ghost"));
        Assert.Equal(0, h.Engine.Counters.SuspicionsRaised);
    }

    [Fact]
    public void With_too_few_nodes_to_confirm_the_minimum_timeout_applies()
    {
        var h = new EngineHarness(MembershipOptions.Lan with { PushPullInterval = TimeSpan.Zero });
        h.AddNodes(2);
        h.AllRespond();
        var start = h.Now;
        h.Receive(EngineHarness.EndPointOf(2), new Suspect(1, "n1", "n2"));
        h.RunUntil(start + TimeSpan.FromSeconds(4) - Ms);
        Assert.Equal(MemberState.Suspect, h.Member("n1").State);
        h.RunUntil(start + TimeSpan.FromSeconds(4));
        Assert.Equal(MemberState.Dead, h.Member("n1").State);
    }
}
