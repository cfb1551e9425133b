namespace Plumtree.Broadcast;

/// <summary>What a <see cref="FrameType.Splice"/> frame asks for (<c>docs/broadcast.md</c>, "Splice"). Values are wire constants: append only.</summary>
public enum SpliceKind : byte
{
    /// <summary>To the matchmaker (the first member in ring order): the sender is one peer short and its probes have stalled. No name.</summary>
    Offer = 1,

    /// <summary>From the matchmaker: the named member is short too; link with it.</summary>
    Introduce = 2,

    /// <summary>
    /// To a random member: link with the sender and, when full, hand one of your own links to the named member
    /// (the sender itself when it has two free slots, or a member it is already linked with that is short too).
    /// </summary>
    Request = 3,

    /// <summary>From a full member answering a <see cref="Request"/>: it dropped its link with the receiver, which links with the named member instead.</summary>
    Handoff = 4,
}
