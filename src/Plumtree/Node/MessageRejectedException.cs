namespace Plumtree.Node;

/// <summary>
/// <see cref="PlumtreeNode.BroadcastAsync"/> was refused by the node's <see cref="PlumtreeNodeOptions.MessageValidator"/>:
/// the message was neither delivered nor sent.
/// </summary>
public sealed class MessageRejectedException : Exception
{
    /// <summary>Creates the exception for the refused message.</summary>
    /// <param name="id">The id the message would have had.</param>
    /// <param name="verdict">What the validator decided (or <see cref="MessageValidation.Reject"/> when it threw).</param>
    public MessageRejectedException(MessageId id, MessageValidation verdict)
        : base($"The message validator did not accept the broadcast ({verdict}); nothing was sent.")
    {
        Id = id;
        Verdict = verdict;
    }

    /// <summary>The id the message would have had.</summary>
    public MessageId Id { get; }

    /// <summary>What the validator decided.</summary>
    public MessageValidation Verdict { get; }
}
