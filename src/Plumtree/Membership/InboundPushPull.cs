using Plumtree.Wire.Memberlist;

namespace Plumtree.Membership;

/// <summary>What <see cref="MembershipEngine.PushPullReceived"/> gives the runtime.</summary>
/// <param name="Reply">The local state to write back on the connection (taken before the merge, as Go does).</param>
/// <param name="MergeError">Why the remote state was not merged (version check), or <see langword="null"/> when it was.</param>
internal sealed record InboundPushPull(PushPull Reply, string? MergeError);
