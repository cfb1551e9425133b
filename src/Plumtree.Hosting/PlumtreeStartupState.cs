namespace Plumtree.Hosting;

/// <summary>What the hosted service has done so far: started, joined, or given up waiting and running alone.</summary>
internal sealed class PlumtreeStartupState
{
    private readonly TaskCompletionSource<ReadyReason> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _started;
    private volatile string? _lastJoinError;
    private int _joinAttempts;

    /// <summary>Completes when the node is started and joined, or is a lone seed, or start stopped waiting for a seed.</summary>
    public Task<ReadyReason> Ready => _ready.Task;

    /// <summary>True once the node's sockets are bound.</summary>
    public bool Started => _started;

    /// <summary>Join rounds tried so far.</summary>
    public int JoinAttempts => Volatile.Read(ref _joinAttempts);

    /// <summary>Why the last join round failed; null after a success.</summary>
    public string? LastJoinError => _lastJoinError;

    public void MarkStarted() => _started = true;

    public int CountAttempt() => Interlocked.Increment(ref _joinAttempts);

    public void MarkJoinFailed(string error) => _lastJoinError = error;

    public void MarkReady(ReadyReason reason)
    {
        if (reason == ReadyReason.Joined)
        {
            _lastJoinError = null;
        }

        _ready.TrySetResult(reason);
    }
}

/// <summary>Why the host reported ready.</summary>
internal enum ReadyReason
{
    /// <summary>A join round reached at least one seed.</summary>
    Joined,

    /// <summary>No seeds configured (or only this node itself).</summary>
    LoneSeed,

    /// <summary>No seed answered within the ready timeout; the node runs alone and keeps trying.</summary>
    JoinTimedOut,
}
