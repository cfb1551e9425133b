namespace Plumtree.Membership;

/// <summary>
/// Which kind of cluster the node joins. It sets the delegate versions in <c>Vsn</c>, which must fit every
/// other member's range or push/pull fails cluster-wide (memberlist-wire.md §9, §12).
/// </summary>
internal enum MembershipCompatibility
{
    /// <summary>A plain HashiCorp memberlist cluster: delegate versions 0/0/0.</summary>
    Memberlist,

    /// <summary>A serf cluster: delegate versions min 2, max 5, speaking 4 (serf's library default).</summary>
    Serf,
}
