namespace Plumtree.Membership;

/// <summary>State of a member as this node sees it. The values equal memberlist's wire constants.</summary>
public enum MemberState
{
    /// <summary>Answering probes.</summary>
    Alive = 0,

    /// <summary>A probe failed; the member has a suspicion timeout to refute it.</summary>
    Suspect = 1,

    /// <summary>Declared failed (its suspicion ran out, or another node said so).</summary>
    Dead = 2,

    /// <summary>Left gracefully (it broadcast its own death).</summary>
    Left = 3,
}
