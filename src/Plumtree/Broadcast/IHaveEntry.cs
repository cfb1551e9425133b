namespace Plumtree.Broadcast;

/// <summary>One (id, hop) announcement carried by an IHave frame.</summary>
/// <param name="Id">The announced message.</param>
/// <param name="Hop">The hop count at which the announcer delivered it (0 for the origin).</param>
public readonly record struct IHaveEntry(MessageId Id, int Hop);
