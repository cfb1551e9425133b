namespace Plumtree.Node;

/// <summary>
/// What a cluster-wide key command found (<see cref="PlumtreeNode.ListKeysAsync"/> and friends): every node that
/// answered with its result and its keys, the nodes that did not answer in time, and per key how many nodes hold it
/// and on which it is the primary key. Keys are base64, as in the configuration.
/// </summary>
/// <param name="Operation">The command.</param>
/// <param name="Key">The key the command named (base64); null for <see cref="KeyOperation.List"/>.</param>
/// <param name="NodesAsked">Live members when the command started (this node included), plus any other node that answered.</param>
/// <param name="Nodes">Every node that answered, by name.</param>
/// <param name="NotAnswered">Live members that gave no answer before the timeout.</param>
/// <param name="Keys">Every key some node holds, by the number of nodes holding it (most first).</param>
public sealed record KeyringReport(
    KeyOperation Operation,
    string? Key,
    int NodesAsked,
    IReadOnlyList<KeyNodeResult> Nodes,
    IReadOnlyList<string> NotAnswered,
    IReadOnlyList<KeyHolders> Keys)
{
    /// <summary>Nodes that answered.</summary>
    public int NodesAnswered => Nodes.Count;

    /// <summary>Nodes that failed: answered with an error, or did not answer.</summary>
    public int NodesFailed => Nodes.Count(n => n.Error is not null) + NotAnswered.Count;

    /// <summary>True when every node asked answered without an error.</summary>
    public bool Succeeded => NodesFailed == 0;
}

/// <summary>One node's answer to a key command.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Error">Why the command failed there (its keyring is unchanged), or null.</param>
/// <param name="PrimaryKey">Its primary key after the command (base64), or null when it has none.</param>
/// <param name="Keys">Every key it holds after the command, the primary first (base64).</param>
public sealed record KeyNodeResult(string Node, string? Error, string? PrimaryKey, IReadOnlyList<string> Keys);

/// <summary>One key across the nodes that answered.</summary>
/// <param name="Key">The key (base64).</param>
/// <param name="Nodes">How many of the nodes that answered hold it.</param>
/// <param name="PrimaryOn">The nodes on which it is the primary key, by name.</param>
public sealed record KeyHolders(string Key, int Nodes, IReadOnlyList<string> PrimaryOn);
