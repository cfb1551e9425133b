
namespace Plumtree.Broadcast;

// Repair rounds: a round of grafts for a missing message (rule 4) runs out when every announcer was asked or
// MaxGraftAttempts grafts went out, typically because frames were lost. The message then stays pending (dormant)
// and, GraftRepairInterval after the round began, a new round asks the remembered announcers again, up to
// GraftRepairRounds times; then the engine gives it up (GraftFailed, Partitioned, once per message). A new
// announcer arriving while dormant is grafted at once, as a fresh announcement would be. The first announcement
// and whether a Graft was sent give the graft latency reported with the delivery.
public sealed partial class BroadcastEngine
{
    /// <summary>A round of grafts ran out: schedule the next repair round, or give the message up.</summary>
    private void EndGraftRound(MessageId id, PendingGraft pending, TimeSpan now)
    {
        if (pending.Rounds < _options.GraftRepairRounds && pending.Count > 0)
        {
            pending.Dormant = true;
            var at = pending.RoundStarted + _repairInterval;
            _timers.Enqueue(new Timer(TimerKind.GraftRound, id, pending, pending.Restamp()), at > now ? at : now);
            return;
        }

        Abandon(id, pending);
    }

    /// <summary>The repair interval passed with the message still missing: ask every remembered announcer again.</summary>
    private void OnGraftRoundTimer(MessageId id, PendingGraft pending, TimeSpan now)
    {
        if (pending.Count == 0)
        {
            Abandon(id, pending); // every announcer left the view meanwhile
            return;
        }

        pending.Dormant = false;
        pending.Rounds++;
        pending.RoundStarted = now;
        pending.RestartRound();
        _counters.RepairRounds++;
        _timers.Enqueue(new Timer(TimerKind.Graft, id, pending, pending.Restamp()), now + _options.GraftTimeout);
    }

    /// <summary>A new announcer of a message waiting for its next repair round: graft it after timeout1, as a fresh announcement.</summary>
    private void Reawaken(MessageId id, PendingGraft pending, string announcer, TimeSpan now)
    {
        pending.Dormant = false;
        pending.Attempts = 0;
        _timers.Enqueue(new Timer(TimerKind.Graft, id, pending, pending.Restamp()), now + _options.GraftTimeout);
    }

    /// <summary>Every round ran out: the message is unobtainable from the peers that announced it.</summary>
    private void Abandon(MessageId id, PendingGraft pending)
    {
        _counters.GraftFailed++;
        _counters.Partitioned++;
        _pending.Remove(id);
        Release(pending);
    }

    /// <summary>For a message arriving now: the time since its first announcement when a Graft was sent for it, else null.</summary>
    private TimeSpan? GraftLatencyOf(MessageId id, TimeSpan now) =>
        _pending.Count != 0 && _pending.TryGetValue(id, out var pending) && pending.Grafted ? now - pending.FirstAnnounced : null;
}
