using Microsoft.Extensions.Logging;
using Plumtree.Broadcast;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// What the membership engine's member events do to the rest of the node, applied after each engine call (an
/// engine call only collects them): a member's address goes to the <see cref="BroadcastSink"/> (removed when it
/// is dead or left, its stream closed), and every change about another member goes to the
/// <see cref="Reconnector"/>, the log and the <c>MemberChanged</c> subscribers. Then, if membership changed, the
/// broadcast view is rebuilt from the <c>pt</c>-tagged alive and suspect members and their zones (emptied, every stream closed,
/// while the node is leaving or left). Called from the node's loop only.
/// </summary>
/// <param name="localName">This node's name.</param>
/// <param name="broadcast">The engine whose view is kept.</param>
/// <param name="peers">The peer addresses and streams.</param>
/// <param name="reconnector">Remembers failed members.</param>
/// <param name="subscribers">The <c>MemberChanged</c> subscribers.</param>
/// <param name="logger">The node's logger.</param>
/// <param name="tags">Members' decoded tags, shared with the snapshot builder.</param>
internal sealed class MembershipEffects(
    string localName,
    BroadcastEngine broadcast,
    BroadcastSink peers,
    Reconnector reconnector,
    NodeSubscribers subscribers,
    ILogger logger,
    MemberTagCache tags)
{
    private readonly List<MemberEvent> _events = [];
    private readonly List<string> _refuted = [];
    private bool _viewDirty;

    /// <summary>A member event from the engine, applied at the next <see cref="Apply"/>.</summary>
    public void MemberChanged(MemberEvent change) => _events.Add(change);

    /// <summary>The view is rebuilt at the next <see cref="Apply"/> (a fresh engine, a leave, a rebalance).</summary>
    public void ViewChanged() => _viewDirty = true;

    /// <summary>Members seen alive again after a suspicion since the last call (anti-entropy rounds with them at once).</summary>
    public IReadOnlyList<string> TakeRefuted()
    {
        if (_refuted.Count == 0)
        {
            return [];
        }

        var refuted = _refuted.ToArray();
        _refuted.Clear();
        return refuted;
    }

    /// <summary>A fresh membership engine: the old engine's pending events and every address are forgotten.</summary>
    public void Clear()
    {
        _events.Clear();
        peers.ClearAddresses();
    }

    /// <summary>Applies the collected member events, then rebuilds the view if membership changed.</summary>
    /// <param name="membership">The running membership engine, if any.</param>
    /// <param name="leaving">The node is leaving or has left (its view is empty).</param>
    /// <param name="now">Engine time.</param>
    public void Apply(MembershipEngine? membership, bool leaving, TimeSpan now)
    {
        if (_events.Count > 0)
        {
            var events = _events.ToArray();
            _events.Clear();
            foreach (var change in events)
            {
                OnMemberChanged(change, now);
            }
        }

        if (_viewDirty)
        {
            _viewDirty = false;
            UpdateView(membership, leaving, now);
        }
    }

    private void OnMemberChanged(MemberEvent change, TimeSpan now)
    {
        var member = change.Member;
        var gone = change.Kind is MemberEventKind.Dead or MemberEventKind.Left;
        if (gone)
        {
            peers.RemoveAddress(member.Name);
        }
        else
        {
            peers.SetAddress(member.Name, member.EndPoint);
        }

        if (!string.Equals(member.Name, localName, StringComparison.Ordinal))
        {
            if (gone)
            {
                peers.Disconnect(member.Name);
            }

            reconnector.Observe(change, now);
            if (change.Kind == MemberEventKind.Alive)
            {
                _refuted.Add(member.Name);
            }

            NodeLog.MemberChanged(logger, localName, member.Name, change.Kind, member.EndPoint, member.Incarnation);
            subscribers.PublishMemberChanged(change);
        }

        _viewDirty = true;
    }

    private void UpdateView(MembershipEngine? membership, bool leaving, TimeSpan now)
    {
        if (leaving || membership is null)
        {
            if (broadcast.View.Count > 0)
            {
                broadcast.SetView(PeerView.Empty, now);
                peers.DisconnectAll();
                NodeLog.ViewChanged(logger, localName, 0);
            }

            return;
        }

        var members = membership.Members;
        tags.Retain(members);
        var names = tags.Names(members, exclude: null);
        var zones = tags.Zones(members);
        var legacy = tags.Legacy(members);
        var current = broadcast.View;
        if (names.Count == current.Count && names.All(name => current.Contains(name)
                && string.Equals(current.ZoneOf(name), zones.GetValueOrDefault(name), StringComparison.Ordinal)
                && current.KnowsSplice(name) != legacy.Contains(name)))
        {
            return;
        }

        broadcast.SetView(PeerView.CreateZoned(names, zones, membership.Generation).WithLegacyMembers(legacy), now);
        NodeLog.ViewChanged(logger, localName, names.Count);
    }
}
