using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// The API callers waiting on the membership engine: each <see cref="PlumtreeNode.JoinAsync"/> by join id (a
/// join may finish inside the engine call that started it, before anyone waits), and the
/// <see cref="PlumtreeNode.LeaveAsync"/> in progress. A finished join or leave releases its caller only when
/// the loop calls <see cref="Release"/> after publishing the next snapshot, so that Members, the peer sets,
/// ExportState and the gauges already show its effect when the call returns. Called from the node's loop
/// only; the tasks complete asynchronously.
/// </summary>
internal sealed class JoinCoordinator
{
    private readonly Dictionary<long, TaskCompletionSource<JoinResult>> _waiters = [];
    private readonly Dictionary<long, JoinResult> _finished = [];
    private readonly List<Action> _releases = [];
    private TaskCompletionSource<bool>? _leave;

    /// <summary>A finished join or leave waits for <see cref="Release"/>.</summary>
    public bool HasReleases => _releases.Count > 0;

    /// <summary>The result of join <paramref name="joinId"/>.</summary>
    public Task<JoinResult> Wait(long joinId)
    {
        if (_finished.Remove(joinId, out var finished))
        {
            return Task.FromResult(finished);
        }

        var waiter = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[joinId] = waiter;
        return waiter.Task;
    }

    /// <summary>A join finished: its waiter is released at the next <see cref="Release"/> (the result is kept when nobody waits yet).</summary>
    public void JoinCompleted(JoinResult result)
    {
        if (_waiters.Remove(result.JoinId, out var waiter))
        {
            _releases.Add(() => waiter.TrySetResult(result));
        }
        else
        {
            _finished[result.JoinId] = result;
        }
    }

    /// <summary>A leave starts; the task says whether its broadcast was sent.</summary>
    public Task<bool> BeginLeave()
    {
        _leave = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        return _leave.Task;
    }

    /// <summary>The leave in progress, if any.</summary>
    public Task<bool>? Leave => _leave?.Task;

    /// <summary>The leave finished: its waiter is released at the next <see cref="Release"/>.</summary>
    public void LeaveCompleted(bool broadcastSent)
    {
        if (_leave is { } leave)
        {
            _releases.Add(() => leave.TrySetResult(broadcastSent));
        }
    }

    /// <summary>Releases the callers of finished joins and leaves (the loop published a snapshot, or is stopping).</summary>
    public void Release()
    {
        if (_releases.Count == 0)
        {
            return;
        }

        var releases = _releases.ToArray();
        _releases.Clear();
        foreach (var release in releases)
        {
            release();
        }
    }

    /// <summary>The membership engine is replaced: every waiter is released (joins with no seed reached, the leave unsent).</summary>
    public void Abandon(string reason)
    {
        foreach (var (id, waiter) in _waiters)
        {
            waiter.TrySetResult(new JoinResult(id, 0, [reason]));
        }

        _waiters.Clear();
        _finished.Clear();
        _leave?.TrySetResult(false);
        _leave = null;
    }
}
