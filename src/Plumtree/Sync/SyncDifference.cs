namespace Plumtree.Sync;

/// <summary>The initiator's result of a round: ids it lacks (<see cref="Need"/>) and ids the responder lacks (<see cref="Have"/>).</summary>
internal sealed class SyncDifference
{
    private readonly HashSet<MessageId> _need = [];
    private readonly HashSet<MessageId> _have = [];

    /// <summary>Ids the responder holds and the initiator does not.</summary>
    public IReadOnlyCollection<MessageId> Need => _need;

    /// <summary>Ids the initiator holds and the responder does not.</summary>
    public IReadOnlyCollection<MessageId> Have => _have;

    /// <summary>Records an id the initiator lacks.</summary>
    public void AddNeed(MessageId id) => _need.Add(id);

    /// <summary>Records an id the responder lacks.</summary>
    public void AddHave(MessageId id) => _have.Add(id);
}
