using Plumtree.Sync;

namespace Plumtree.Tests.Sync;

/// <summary>Runs one reconciliation round between two in-memory sets and records what crossed the wire.</summary>
internal sealed class SyncRun
{
    public const long From = 1_750_000_000_000;
    public const long Span = 3_600_000;

    public required SyncDifference Difference { get; init; }
    public required int RoundTrips { get; init; }
    public required bool Complete { get; init; }
    public required long BytesToResponder { get; init; }
    public required long BytesToInitiator { get; init; }
    public required int LargestToResponder { get; init; }
    public required int LargestToInitiator { get; init; }
    public required List<byte[]> Requests { get; init; }
    public required List<byte[]> Responses { get; init; }

    public static SyncRun Execute(IEnumerable<MessageId> initiatorIds, IEnumerable<MessageId> responderIds, ReconcilerOptions initiatorOptions,
        ReconcilerOptions? responderOptions = null, ulong salt = 42, int maxRoundTrips = 1_000)
    {
        var initiator = new SyncInitiator(new SortedSyncItemSet(initiatorIds), initiatorOptions);
        var responder = new SyncResponder(new SortedSyncItemSet(responderIds), responderOptions ?? initiatorOptions);
        var requests = new List<byte[]>();
        var responses = new List<byte[]>();
        var request = initiator.Start(From, From + Span, salt);
        while (request is not null && initiator.RoundTrips <= maxRoundTrips)
        {
            requests.Add(request);
            var response = responder.Respond(request);
            responses.Add(response);
            request = initiator.Receive(response);
        }

        return new SyncRun
        {
            Difference = initiator.Difference,
            RoundTrips = initiator.RoundTrips,
            Complete = initiator.IsComplete,
            BytesToResponder = requests.Sum(r => (long)r.Length),
            BytesToInitiator = responses.Sum(r => (long)r.Length),
            LargestToResponder = requests.Max(r => r.Length),
            LargestToInitiator = responses.Max(r => r.Length),
            Requests = requests,
            Responses = responses,
        };
    }
}
