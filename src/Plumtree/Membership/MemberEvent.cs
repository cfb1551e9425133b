namespace Plumtree.Membership;

/// <summary>A change in the member table.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Member">The member's state after the change.</param>
public sealed record MemberEvent(MemberEventKind Kind, Member Member);
