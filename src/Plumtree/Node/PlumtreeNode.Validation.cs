namespace Plumtree.Node;

// The application's message validator, called by the engines (tree and sync) and by BroadcastAsync on the loop:
// verdicts counted by reason, a throwing validator counted and logged, never let through.
public sealed partial class PlumtreeNode
{
    private bool _validatorFailureLogged;

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
