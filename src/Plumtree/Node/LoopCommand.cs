namespace Plumtree.Node;

/// <summary>Work for a node's loop.</summary>
internal abstract class LoopCommand
{
    /// <summary>An API caller waits for it: the loop publishes a snapshot before <see cref="Complete"/>.</summary>
    public virtual bool AwaitsResult => false;

    /// <summary>Runs on the loop at engine time <paramref name="now"/>.</summary>
    public abstract void Run(TimeSpan now);

    /// <summary>Hands the result (or the exception) of <see cref="Run"/> to the caller.</summary>
    public virtual void Complete()
    {
    }

    /// <summary>The node stopped before the command ran.</summary>
    public virtual void Abandon()
    {
    }
}

/// <summary>An action nobody waits for.</summary>
internal sealed class LoopAction(Action<TimeSpan> action) : LoopCommand
{
    /// <inheritdoc/>
    public override void Run(TimeSpan now) => action(now);
}

/// <summary>A function whose result (or exception) an API caller awaits.</summary>
/// <typeparam name="T">Result type.</typeparam>
internal sealed class LoopFunction<T>(Func<TimeSpan, T> function) : LoopCommand
{
    private T? _result;
    private Exception? _error;

    /// <summary>Completes after the loop published the snapshot that shows the command's effect.</summary>
    public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc/>
    public override bool AwaitsResult => true;

    /// <inheritdoc/>
    public override void Run(TimeSpan now)
    {
        try
        {
            _result = function(now);
        }
        catch (Exception e)
        {
            _error = e;
        }
    }

    /// <inheritdoc/>
    public override void Complete()
    {
        if (_error is not null)
        {
            Completion.TrySetException(_error);
        }
        else
        {
            Completion.TrySetResult(_result!);
        }
    }

    /// <inheritdoc/>
    public override void Abandon() =>
        Completion.TrySetException(new ObjectDisposedException(nameof(PlumtreeNode), "The node stopped before the command ran."));
}
