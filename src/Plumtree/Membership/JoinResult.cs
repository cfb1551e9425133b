namespace Plumtree.Membership;

/// <summary>Outcome of a join: how many seeds were reached and merged, and why the others failed.</summary>
/// <param name="JoinId">The id <c>Join</c> returned.</param>
/// <param name="Succeeded">Seeds whose push/pull completed and merged.</param>
/// <param name="Errors">One message per failed seed (endpoint and reason).</param>
internal sealed record JoinResult(long JoinId, int Succeeded, IReadOnlyList<string> Errors);
