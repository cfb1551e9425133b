namespace Plumtree.Node;

// The application's message validator, called by the engines (tree and sync) and by BroadcastAsync on the loop:
// verdicts counted by reason, a throwing validator counted and logged, never let through.
public sealed partial class PlumtreeNode
{
    private bool _validatorFailureLogged;

    // A refusal on one path is handed to the other engine, so the node asks the validator about a message once: the
    // tree's refused Gossip is not fetched again by a sync round, a copy sync refused is a duplicate to the tree.
    private MessageValidation ValidateTreeMessage(MessageId id, ReadOnlyMemory<byte> payload, string? from)
    {
        var verdict = ValidateMessage(id, payload, from);
        if (verdict != MessageValidation.Accept)
        {
            _sync.Refuse(id, UnixNow);
        }

        return verdict;
    }

    private MessageValidation ValidateSyncedMessage(MessageId id, ReadOnlyMemory<byte> payload, string? from)
    {
        var verdict = ValidateMessage(id, payload, from);
        if (verdict != MessageValidation.Accept)
        {
            _broadcast.Refuse(id, Now);
        }

        return verdict;
    }

    private MessageValidation ValidateMessage(MessageId id, ReadOnlyMemory<byte> payload, string? from)
    {
        if (_options.MessageValidator is not { } validator)
        {
            return MessageValidation.Accept;
        }

        MessageValidation verdict;
        try
        {
            verdict = validator(id, payload, from);
        }
        catch (Exception e)
        {
            _dropped.Increment("validation_failed");
            if (!_validatorFailureLogged)
            {
                _validatorFailureLogged = true;
                NodeLog.ValidatorFailed(_logger, Name, id, from ?? Name, e);
            }
            else
            {
                NodeLog.ValidatorFailedAgain(_logger, Name, id, from ?? Name, e);
            }

            return MessageValidation.Reject;
        }

        switch (verdict)
        {
            case MessageValidation.Accept:
                return verdict;
            case MessageValidation.Ignore:
                _dropped.Increment("validation_ignored");
                return verdict;
            default:
                _dropped.Increment("validation_rejected");
                return MessageValidation.Reject;
        }
    }
}
