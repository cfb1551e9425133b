using Plumtree.Broadcast;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// What the node's loop publishes after every batch of inputs: an immutable view for readers on other
/// threads (queries, health, metrics), so they never touch engine state.
/// </summary>
/// <param name="Broadcast">The broadcast engine's peer sets, cache and grafts.</param>
/// <param name="Members">Every member known, this node included.</param>
/// <param name="MemberCounts">Members by state (every state present).</param>
/// <param name="HealthScore">Lifeguard's local health score.</param>
/// <param name="GraftFailuresInWindow">Graft failures within the health window.</param>
/// <param name="Running">The loop runs (started, not stopped).</param>
/// <param name="LoneSeed">Started, never joined anyone, and no other member known.</param>
/// <param name="Leaving">The node left (or is leaving) and has not joined again.</param>
internal sealed record NodeSnapshot(
    BroadcastSnapshot Broadcast,
    IReadOnlyList<MemberInfo> Members,
    IReadOnlyDictionary<MemberState, int> MemberCounts,
    int HealthScore,
    long GraftFailuresInWindow,
    bool Running,
    bool LoneSeed,
    bool Leaving)
{
    /// <summary>Before the node starts.</summary>
    public static NodeSnapshot Initial(string node) =>
        new(new BroadcastSnapshot(node, [], [], [], 0, 0, 0, 0, TimeSpan.Zero), [], CountByState([]), 0, 0, Running: false, LoneSeed: false, Leaving: false);

    /// <summary>Members by state, with a zero for every state nobody is in.</summary>
    public static IReadOnlyDictionary<MemberState, int> CountByState(IEnumerable<MemberInfo> members)
    {
        var counts = new Dictionary<MemberState, int>
        {
            [MemberState.Alive] = 0,
            [MemberState.Suspect] = 0,
            [MemberState.Dead] = 0,
            [MemberState.Left] = 0,
        };
        foreach (var member in members)
        {
            counts[member.State]++;
        }

        return counts;
    }
}
