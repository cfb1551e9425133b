namespace Plumtree.Membership;

/// <summary>The gossip loop: queued broadcasts to a few random members every GossipInterval.</summary>
internal sealed partial class MembershipEngine
{
    private void GossipTick(TimeSpan due, TimeSpan now)
    {
        Gossip(now);

        // A ticker: keep the grid, skip ticks that were missed.
        var next = due + Options.GossipInterval;
        if (next <= now)
        {
            var missed = ((now - due).Ticks / Options.GossipInterval.Ticks) + 1;
            next = due + (Options.GossipInterval * missed);
        }

        _timers.Schedule(next, n => GossipTick(next, n));
    }

    /// <summary>memberlist's <c>gossip</c>: alive, suspect and recently dead members (not left ones) get what fits.</summary>
    private void Gossip(TimeSpan now)
    {
        var targets = RandomNodes(Options.GossipNodes, n => n == _self || n.State switch
        {
            MemberState.Alive or MemberState.Suspect => false,
            MemberState.Dead => now - n.StateChange > Options.GossipToTheDeadTime,
            _ => true,
        });
        foreach (var target in targets)
        {
            var parts = new List<ReadOnlyMemory<byte>>();
            TakeBroadcasts(GossipBudget, parts);
            if (parts.Count == 0)
            {
                return;
            }

            SendParts(target.EndPoint, parts, target);
        }
    }
}
