namespace Plumtree.Membership;

/// <summary>What happened to a member (memberlist's event delegate, plus suspicion and recovery).</summary>
public enum MemberEventKind
{
    /// <summary>A new member, or a dead/left one that came back (memberlist <c>NotifyJoin</c>).</summary>
    Join,

    /// <summary>An alive member published new meta (memberlist <c>NotifyUpdate</c>).</summary>
    Update,

    /// <summary>A member became suspect.</summary>
    Suspect,

    /// <summary>A suspect member was seen alive again (it refuted the suspicion).</summary>
    Alive,

    /// <summary>A member was declared dead (memberlist <c>NotifyLeave</c>, failure).</summary>
    Dead,

    /// <summary>A member left gracefully (memberlist <c>NotifyLeave</c>, dead from itself).</summary>
    Left,
}
