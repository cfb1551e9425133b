namespace Plumtree.Agent.Http;

/// <summary>A refused request: the status, the cause (the <c>reason</c> label of <c>plumtree_agent_http_refused_total</c>), a sentence, and the WWW-Authenticate challenge for 401.</summary>
internal sealed record AdminRefusal(int Status, string Reason, string Message, string? Challenge = null);
