using System.Text;

namespace Plumtree.Broadcast;

// Splice (docs/broadcast.md, "Splice"): the last free slots of the overlay. Random probing finds a member with room
// with probability (free slots / n), so once a node's repair round has stalled it stops probing and splices instead:
// - two or more short: Request(self) to a random member F. F with room links it; a full F drops one of its own
//   evictable links F–P, links the requester and sends P Handoff(requester): F and P keep their degree, the requester
//   gains two;
// - one short: Offer to the matchmaker M (the first member in ring order, the same for every node with the same
//   view). M with room links it; else M pairs it with the one offer it holds: Introduce(other) to it, which links the
//   other (or, when the two are linked already, sends Request(other) to a random member: that splice gives each one
//   link). The offer held expires after two of the longest repair intervals.
// Every link is made with Neighbor and refused with Disconnect as before, so the overlay stays symmetric and bounded.
// Mixed clusters: a member the view marks legacy (pt < 2) does not know the Splice frame and is never sent one. Requests
// go to, and the matchmaker is, a member that knows it; a handoff's victim is one that knows it; a node with no other
// member that knows it just keeps probing. A legacy member cannot ask, so a full member splices it in when it probes.
public sealed partial class BroadcastEngine
{
    private string? _spliceOffer;
    private TimeSpan _spliceOfferUntil;

    /// <summary>A stalled repair round while short: a splice request (two or more short) or an offer to the matchmaker (one short).</summary>
    private void SpliceRound(TimeSpan now)
    {
        var missing = Missing();
        if (missing >= 2)
        {
            if (PickSpliceTarget(exclude: null) is { } target)
            {
                SendSplice(target, SpliceKind.Request, _self);
            }

            return;
        }

        if (missing == 1 && _view.SpliceRing.Length > 0)
        {
            var matchmaker = _view.SpliceRing[0]; // the first member in ring order that knows the Splice frame
            if (string.Equals(matchmaker, _self, StringComparison.Ordinal))
            {
                OnOffer(_self, now);
            }
            else
            {
                SendSplice(matchmaker, SpliceKind.Offer, null);
            }
        }
    }

    private void OnSplice(PeerState? peer, string from, in PlumtreeFrame frame, TimeSpan now)
    {
        var kind = frame.SpliceKind;
        var named = frame.Payload.IsEmpty ? null : Encoding.UTF8.GetString(frame.Payload.Span);
        if (kind is not (SpliceKind.Offer or SpliceKind.Introduce or SpliceKind.Request or SpliceKind.Handoff)
            || (kind == SpliceKind.Offer) != (named is null))
        {
            _counters.Malformed++;
            return;
        }

        switch (kind)
        {
            case SpliceKind.Offer:
                OnOffer(from, now);
                break;
            case SpliceKind.Introduce:
                OnIntroduce(named!);
                break;
            case SpliceKind.Request:
                OnSpliceRequest(peer, from, named!);
                break;
            default:
                OnHandoff(peer, from, named!, now);
                break;
        }
    }

    /// <summary>The matchmaker: link a member with a free slot, or pair it with the offer held, or hold its offer.</summary>
    private void OnOffer(string from, TimeSpan now)
    {
        var self = string.Equals(from, _self, StringComparison.Ordinal);
        if (!self && Missing() > 0 && !_peers.ContainsKey(from))
        {
            Link(from, eager: _eager.Count < _options.EagerFanout);
            return;
        }

        if (_spliceOffer is { } held
            && (_spliceOfferUntil <= now || !_view.Contains(held) || (string.Equals(held, _self, StringComparison.Ordinal) && Missing() <= 0)))
        {
            _spliceOffer = null;
        }

        if (_spliceOffer is { } other && !string.Equals(other, from, StringComparison.Ordinal))
        {
            _spliceOffer = null;
            if (self)
            {
                OnIntroduce(other);
            }
            else
            {
                SendSplice(from, SpliceKind.Introduce, other);
            }

            return;
        }

        _spliceOffer = from;
        _spliceOfferUntil = now + (_options.OverlayRepairInterval * (2 * MaxBackoff));
    }

    /// <summary>The matchmaker paired us with <paramref name="other"/>, which is short too: link it, or have a third member splice us both.</summary>
    private void OnIntroduce(string other)
    {
        if (Missing() <= 0 || !IsKnownMember(other))
        {
            return;
        }

        if (!_peers.ContainsKey(other))
        {
            _refusedUntil.Remove(other);
            Link(other, eager: _eager.Count < _options.EagerFanout);
        }
        else if (PickSpliceTarget(exclude: other) is { } target)
        {
            SendSplice(target, SpliceKind.Request, other);
        }
    }

    /// <summary>
    /// A short member asks to be spliced in: with room, link it; when full, drop an evictable link F–P (P not the named
    /// member), link the requester and hand P to the named member. Never above the degree: one link out, one in.
    /// </summary>
    private void OnSpliceRequest(PeerState? peer, string from, string named)
    {
        if (peer is not null || !IsKnownMember(named))
        {
            return; // linked already (a repeat, or views that disagree): nothing to splice
        }

        if (_peers.Count < _degree)
        {
            _refusedUntil.Remove(from);
            Link(from, eager: _eager.Count < _options.EagerFanout);
            return;
        }

        // The victim must know the Splice frame: without the handoff the splice only moves the shortness from the
        // requester to the victim, so with no such victim nothing is spliced.
        if (PickEvictable(except: named, knowsSplice: true) is not { } victim)
        {
            return;
        }

        RemovePeer(victim);
        SendSplice(victim.Name, SpliceKind.Handoff, named);
        SendDisconnect(victim.Name); // a member with the frame but without the rule skips the handoff and takes this as an eviction
        _refusedUntil.Remove(from);
        Link(from, eager: _eager.Count < _options.EagerFanout);
        _counters.Splices++;
    }

    /// <summary>
    /// A probe (Neighbor) from a legacy member while full: it cannot ask for a splice, so splice it in as for a Request
    /// from it (drop an evictable link F–P to a P that knows the frame, hand P the prober, link the prober). False when
    /// the prober knows the frame (it splices for itself) or no such link exists: then the probe is refused as before.
    /// </summary>
    private bool SpliceInLegacy(string from)
    {
        if (!_options.OverlaySplice || _view.KnowsSplice(from) || !IsKnownMember(from)
            || PickEvictable(knowsSplice: true) is not { } victim)
        {
            return false;
        }

        RemovePeer(victim);
        SendSplice(victim.Name, SpliceKind.Handoff, from);
        SendDisconnect(victim.Name);
        _refusedUntil.Remove(from);
        AddPeer(from, eager: _eager.Count < _options.EagerFanout).Confirmed = true;
        _counters.Splices++;
        return true;
    }

    /// <summary>A full member dropped our link to splice in a short one: drop it here too and link the named member.</summary>
    private void OnHandoff(PeerState? peer, string from, string named, TimeSpan now)
    {
        if (peer is not null)
        {
            OnDisconnect(peer, from, now); // a ring neighbour stays until the views agree, as for Disconnect
        }

        if (Missing() > 0 && IsKnownMember(named) && !_peers.ContainsKey(named))
        {
            _refusedUntil.Remove(named);
            Link(named, eager: _eager.Count < _options.EagerFanout);
        }
    }

    /// <summary>
    /// A random view member that knows the Splice frame and is neither this node, a peer, nor <paramref name="exclude"/>;
    /// null when none is found in the sample budget.
    /// </summary>
    private string? PickSpliceTarget(string? exclude)
    {
        var ring = _view.SpliceRing;
        var n = ring.Length;
        for (var i = 0; i < SampleBudget(1) && n > 0; i++)
        {
            var name = ring[_random.Next(n)];
            if (!string.Equals(name, _self, StringComparison.Ordinal) && !string.Equals(name, exclude, StringComparison.Ordinal) && !_peers.ContainsKey(name))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>True when a member other than this node knows the Splice frame: else splicing has nobody to ask.</summary>
    private bool HasSplicePartner()
    {
        var ring = _view.SpliceRing;
        return ring.Length > 1 || (ring.Length == 1 && !string.Equals(ring[0], _self, StringComparison.Ordinal));
    }

    private void SendSplice(string to, SpliceKind kind, string? named)
    {
        Send(to, PlumtreeFrame.Splice(kind, named));
        _counters.SpliceSent++;
    }
}
