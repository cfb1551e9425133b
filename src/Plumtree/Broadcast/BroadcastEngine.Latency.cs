namespace Plumtree.Broadcast;

// Rule 7 by time (BroadcastOptions.LatencyOptimization): swap the parent for a lazy peer whose announcements arrive,
// on average over the messages from that parent, at least OptimizationTimeThreshold before the parent's Gossip.
// Through that peer the messages would have arrived when its announcements did, so the mean is the time the swap saves
// for the traffic that crosses the link (and, links being symmetric, for the traffic the other way). Only arrival times
// this engine observed are compared: no clock is shared and no frame changes.
public sealed partial class BroadcastEngine
{
    /// <summary>
    /// At delivery of <paramref name="id"/> from <paramref name="sender"/> (now): every announcer that announced it while
    /// it was missing and was not grafted for it yet adds a sample, the time its announcement came before the Gossip.
    /// Returns the announcer to swap the sender for (its announced hop in <paramref name="announcedHop"/>), or null: the
    /// one with the largest mean among those whose mean reaches the threshold over enough messages and whose sample for
    /// this message does too (it has the message before us, so it is not below us in the tree for this message's origin).
    /// </summary>
    private PeerState? FindFasterAnnouncer(MessageId id, string sender, TimeSpan now, out int announcedHop)
    {
        announcedHop = 0;
        if (!Optimizing || _pending.Count == 0 || !_pending.TryGetValue(id, out var pending) || pending.Grafted)
        {
            return null; // not announced first, or fetched by a Graft: no evidence about the tree
        }

        var threshold = _options.OptimizationTimeThreshold.Ticks;
        var needed = now < _undampedUntil ? 1 : _options.OptimizationConfirmations;
        PeerState? best = null;
        var bestMean = long.MinValue;
        for (var i = pending.Next; i < pending.Count; i++)
        {
            var name = pending.AnnouncerAt(i);
            if (string.Equals(name, sender, StringComparison.Ordinal) || !_peers.TryGetValue(name, out var peer))
            {
                continue; // the sender itself, or no longer a peer
            }

            // The decision rests on the messages before this one: this one was picked for being faster, so counting it
            // would bias the mean upwards; it must only show that the announcer is not below us for this origin.
            var gain = (now - pending.ArrivalAt(i)).Ticks;
            var prior = string.Equals(peer.GainParent, sender, StringComparison.Ordinal) && peer.GainVersion == _peerSetVersion && peer.GainMessage != id
                ? (Mean: peer.GainMean, Count: peer.GainCount)
                : (Mean: 0L, Count: 0);
            if (NoteGain(peer, id, sender, gain) && gain >= threshold && prior.Count >= needed
                && prior.Mean >= threshold && prior.Mean > bestMean)
            {
                best = peer;
                bestMean = prior.Mean;
                announcedHop = pending.HopAt(i);
            }
        }

        if (best is not null)
        {
            best.GainCount = 0;
            best.GainMean = 0;
            best.GainParent = null;
        }

        return best;
    }

    /// <summary>
    /// An announcement of a message already delivered: the announcer would have been slower for it by the time since the
    /// delivery (a negative sample against the message's parent).
    /// </summary>
    private void NoteLateAnnouncement(in MessageStore.Entry entry, MessageId id, PeerState announcer, TimeSpan now)
    {
        if (!_options.Optimization || entry.From is null || entry.Refused
            || string.Equals(entry.From, announcer.Name, StringComparison.Ordinal)
            || !_messages.TryGetDeliveredAt(id, entry, out var deliveredAt))
        {
            return;
        }

        NoteGain(announcer, id, entry.From, (deliveredAt - now).Ticks);
    }

    /// <summary>
    /// Adds one sample (ticks; positive: the peer's announcement came first) to the peer's mean against
    /// <paramref name="parent"/>. A sample against another parent replaces the mean only when the mean is negative (the
    /// peer was not promising against the old parent); otherwise it is ignored, since the peer is then on the old
    /// parent's side of the tree and messages from the other side reach it through us. Returns true when counted.
    /// </summary>
    private bool NoteGain(PeerState peer, MessageId id, string parent, long gain)
    {
        if (gain >= _options.GraftTimeout.Ticks || gain <= -_options.GraftTimeout.Ticks)
        {
            return false; // a Gossip (or announcement) this late was waiting for a Graft somewhere: it says nothing about the tree
        }

        if (peer.GainVersion != _peerSetVersion)
        {
            peer.GainParent = null; // the peer set or a role changed since: the evidence is about another tree
            peer.GainVersion = _peerSetVersion;
        }

        if (!string.Equals(peer.GainParent, parent, StringComparison.Ordinal))
        {
            if (peer.GainCount > 0 && peer.GainMean >= 0 && peer.GainParent is not null
                && _peers.TryGetValue(peer.GainParent, out var old) && old.IsEager)
            {
                return false;
            }

            peer.GainParent = parent;
            peer.GainCount = 0;
            peer.GainMean = 0;
        }
        else if (peer.GainMessage == id && peer.GainCount > 0)
        {
            return true; // one message counts once
        }

        peer.GainMessage = id;
        var weight = Math.Min(peer.GainCount + 1, Math.Max(1, _options.OptimizationConfirmations));
        peer.GainMean += (gain - peer.GainMean) / weight;
        if (peer.GainCount < int.MaxValue)
        {
            peer.GainCount++;
        }

        return true;
    }
}
